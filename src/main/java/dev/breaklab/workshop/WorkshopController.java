package dev.breaklab.workshop;

import dev.breaklab.run.RunOwner;
import dev.breaklab.workshop.WorkshopViews.AnswersRequest;
import dev.breaklab.workshop.WorkshopViews.Created;
import dev.breaklab.workshop.WorkshopViews.FocusRequest;
import dev.breaklab.workshop.WorkshopViews.HandRequest;
import dev.breaklab.workshop.WorkshopViews.Joined;
import dev.breaklab.workshop.WorkshopViews.LearnerRunRequest;
import dev.breaklab.workshop.WorkshopViews.OpenRequest;
import dev.breaklab.workshop.WorkshopViews.PacingRequest;
import dev.breaklab.workshop.WorkshopViews.Queued;
import dev.breaklab.workshop.WorkshopViews.SharedRun;
import dev.breaklab.workshop.WorkshopViews.SharedRunRequest;
import dev.breaklab.workshop.WorkshopViews.State;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The workshop API (README, "Workshops"). Who may call each endpoint is {@link SecurityConfiguration}'s
 * business: by the time a handler runs, the caller is the room's instructor or participant as needed.
 */
@RestController
@RequestMapping("/api/workshops")
class WorkshopController {

    private final Workshops workshops;

    WorkshopController(Workshops workshops) {
        this.workshops = workshops;
    }

    @PostMapping
    ResponseEntity<Created> create(@RequestBody WorkshopViews.CreateRequest request) {
        Created created = workshops.create(
                request, ServletUriComponentsBuilder.fromCurrentContextPath().toUriString());
        return ResponseEntity.created(URI.create("/api/workshops/" + created.id()))
                .body(created);
    }

    @PostMapping("/join")
    ResponseEntity<Joined> join(@RequestBody WorkshopViews.JoinRequest request, HttpServletRequest http) {
        Joined joined = workshops.join(request, http.getRemoteAddr());
        return ResponseEntity.created(URI.create("/api/workshops/" + joined.workshopId()))
                .body(joined);
    }

    @GetMapping("/{id}")
    State state(@PathVariable String id, @AuthenticationPrincipal RunOwner user) {
        return workshops.state(id, user);
    }

    @PostMapping("/{id}/focus")
    ResponseEntity<Void> focus(@PathVariable String id, @RequestBody FocusRequest request) {
        workshops.focus(id, request.experimentId());
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/poll/open")
    ResponseEntity<Void> open(@PathVariable String id, @RequestBody(required = false) OpenRequest request) {
        workshops.poll(id, true, request == null ? null : request.seconds());
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/poll/revote")
    ResponseEntity<Void> revote(@PathVariable String id, @RequestBody(required = false) OpenRequest request) {
        workshops.revote(id, request == null ? null : request.seconds());
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/pacing")
    ResponseEntity<Void> pacing(@PathVariable String id, @RequestBody PacingRequest request) {
        workshops.pacing(id, request.pacing());
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/hand")
    ResponseEntity<Void> hand(
            @PathVariable String id, @AuthenticationPrincipal RunOwner user, @RequestBody HandRequest request) {
        workshops.hand(id, user, Boolean.TRUE.equals(request.raised()));
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/my-runs")
    ResponseEntity<Queued> learnerRun(
            @PathVariable String id, @AuthenticationPrincipal RunOwner user, @RequestBody LearnerRunRequest request) {
        return ResponseEntity.accepted().body(workshops.learnerRun(id, user, request));
    }

    @GetMapping(value = "/{id}/qr.svg", produces = "image/svg+xml")
    ResponseEntity<String> qr(@PathVariable String id) {
        return ResponseEntity.ok()
                .contentType(MediaType.valueOf("image/svg+xml"))
                .body(JoinQr.svg(workshops.joinUrl(
                        id, ServletUriComponentsBuilder.fromCurrentContextPath().toUriString())));
    }

    @PostMapping("/{id}/poll/close")
    ResponseEntity<Void> close(@PathVariable String id) {
        workshops.poll(id, false);
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/reveal")
    ResponseEntity<Void> reveal(@PathVariable String id) {
        workshops.reveal(id);
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/run")
    ResponseEntity<SharedRun> run(@PathVariable String id, @RequestBody SharedRunRequest request) {
        SharedRun run = workshops.run(id, request);
        return ResponseEntity.accepted()
                .location(URI.create("/api/runs/" + run.runId()))
                .body(run);
    }

    @PostMapping("/{id}/answers")
    ResponseEntity<Void> answers(
            @PathVariable String id, @AuthenticationPrincipal RunOwner user, @RequestBody AnswersRequest request) {
        workshops.answer(id, user, request.answers());
        return ResponseEntity.noContent().build();
    }

    @GetMapping(value = "/{id}/results.csv", produces = "text/csv")
    ResponseEntity<String> results(@PathVariable String id) {
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"workshop-" + id + "-results.csv\"")
                .contentType(new MediaType("text", "csv", java.nio.charset.StandardCharsets.UTF_8))
                .body(workshops.resultsCsv(id));
    }
}
