package dev.breaklab.web;

import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.RunSubmissions;
import dev.breaklab.playground.PlaygroundRuns;
import dev.breaklab.run.RunOwner;
import dev.breaklab.run.RunSnapshot;
import java.net.URI;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/runs}: starting a run. What happens to a run once it exists (read, cancel,
 * compare, snippet) is {@link RunController}'s; the list is {@link RunListController}'s.
 */
@RestController
class RunSubmissionController {

    private final RunSubmissions submissions;
    private final RunRequestValidator validator;
    private final PlaygroundRuns playground;

    RunSubmissionController(RunSubmissions submissions, RunRequestValidator validator, PlaygroundRuns playground) {
        this.submissions = submissions;
        this.validator = validator;
        this.playground = playground;
    }

    /**
     * Bad input is refused here, before the engine sees it: nothing starts. A request with {@code
     * playground} is the learner's own query, checked by the playground's sandbox.
     */
    @PostMapping("/api/runs")
    ResponseEntity<RunSnapshot> submit(@RequestBody RunRequest request, @AuthenticationPrincipal Object user) {
        // Cancelling is its owner's (or their instructor's): the rule is in the security configuration.
        RunSnapshot snapshot = submissions.submit(
                request.playground() != null ? playground.validate(request) : validator.validate(request),
                RunOwner.orLocal(user));
        return ResponseEntity.accepted()
                .location(URI.create("/api/runs/" + snapshot.id()))
                .body(snapshot);
    }
}
