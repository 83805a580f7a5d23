package dev.breaklab.workshop;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Experiment;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.Question;
import dev.breaklab.catalog.Variant;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunProblems;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.run.PredictionResult;
import dev.breaklab.run.RunOwner;
import dev.breaklab.run.RunOwners;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunSnapshots;
import dev.breaklab.run.RunStatus;
import dev.breaklab.workshop.WorkshopViews.AgendaItem;
import dev.breaklab.workshop.WorkshopViews.Created;
import dev.breaklab.workshop.WorkshopViews.Joined;
import dev.breaklab.workshop.WorkshopViews.QuestionView;
import dev.breaklab.workshop.WorkshopViews.Room;
import dev.breaklab.workshop.WorkshopViews.SharedRun;
import dev.breaklab.workshop.WorkshopViews.State;
import dev.breaklab.workshop.WorkshopViews.Step;
import dev.breaklab.workshop.WorkshopViews.Tile;
import dev.breaklab.workshop.WorkshopViews.You;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Service;
import org.springframework.web.ErrorResponseException;

/**
 * The workshop rules: creating a room, joining it, moving its focus, polling, the shared run and the
 * reveal. Who may call what is decided before this ({@link SecurityConfiguration}); this checks the
 * input and the room's state. Every change is published to the room ({@link WorkshopStream}).
 */
@Service
class Workshops {

    static final int TITLE_MAX = 200;
    static final int NAME_MAX = 40;

    private final WorkshopStore store;
    private final Catalog catalog;
    private final RunEngine engine;
    private final RunRequestValidator validator;
    private final RunSnapshots runs;
    private final RunOwners owners;
    private final WorkshopProperties properties;
    private final WorkshopStream stream;
    private final JoinLimiter joinLimiter;
    private final Clock clock = Clock.systemUTC();

    Workshops(
            WorkshopStore store,
            Catalog catalog,
            RunEngine engine,
            RunRequestValidator validator,
            RunSnapshots runs,
            RunOwners owners,
            WorkshopProperties properties,
            WorkshopStream stream) {
        this.store = store;
        this.catalog = catalog;
        this.engine = engine;
        this.validator = validator;
        this.runs = runs;
        this.owners = owners;
        this.properties = properties;
        this.stream = stream;
        this.joinLimiter = new JoinLimiter(properties.joinAttemptsPerMinute());
        stream.rooms(this::room);
    }

    Created create(WorkshopViews.CreateRequest request, String baseUrl) {
        String title = request.title() == null ? "" : request.title().strip();
        if (title.isEmpty() || title.length() > TITLE_MAX || hasControlCharacters(title)) {
            throw RunProblems.invalid(
                    "title", "the title is empty, too long or has control characters", "1 to 200 printable characters");
        }
        List<String> agenda = request.experiments() == null ? List.of() : request.experiments();
        if (agenda.isEmpty()) {
            throw RunProblems.invalid("experiments", "the agenda is empty", "one or more experiment ids");
        }
        for (int i = 0; i < agenda.size(); i++) {
            definition("experiments[" + i + "]", agenda.get(i));
        }
        Workshop.Pacing pacing = pacing(request.pacing());
        String token = Tokens.token();
        String code;
        do {
            code = Tokens.code();
        } while (store.codeTaken(code));
        Workshop workshop = new Workshop(
                Tokens.id(),
                code,
                title,
                List.copyOf(agenda),
                pacing,
                Boolean.TRUE.equals(request.leaderboard()),
                properties.capacity(),
                null,
                false,
                clock.instant());
        store.insert(workshop, Tokens.hash(token));
        String base = properties.publicUrl().isBlank() ? baseUrl : properties.publicUrl();
        base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        // The instructor's token travels in the link's fragment: browsers never send that to a server.
        return new Created(
                workshop.id(),
                code,
                token,
                base + "/join?code=" + code,
                base + "/workshops/" + workshop.id() + "/console#token=" + token);
    }

    Joined join(WorkshopViews.JoinRequest request, String clientAddress) {
        String name = validName(request.name());
        String code = normalizedCode(request.code());
        if (!joinLimiter.allow(clientAddress)) {
            ErrorResponseException e = problem(
                    HttpStatus.TOO_MANY_REQUESTS,
                    "too-many-attempts",
                    "Too many join attempts",
                    "too many wrong codes from this address; wait a minute");
            e.getHeaders().set("Retry-After", "60");
            throw e;
        }
        Workshop workshop = store.findByCode(code).orElseThrow(() -> {
            joinLimiter.failed(clientAddress);
            return RunProblems.notFound("code", code, "the join code the instructor shows");
        });
        String token = Tokens.token();
        Workshop.Participant participant = new Workshop.Participant(Tokens.id(), workshop.id(), name, clock.instant());
        if (!store.join(participant, Tokens.hash(token), workshop.capacity())) {
            throw problem(
                    HttpStatus.CONFLICT,
                    "workshop-full",
                    "Workshop is full",
                    "the workshop has its " + workshop.capacity() + " participants");
        }
        stream.publishSoon(workshop.id(), "joined");
        return new Joined(workshop.id(), participant.id(), token);
    }

    State state(String id, RunOwner user) {
        Room room = room(id);
        if (user.kind() == RunOwner.Kind.INSTRUCTOR) {
            Map<String, Long> answered = room.focus() == null
                    ? Map.of()
                    : store.answers(id, room.focus()).stream()
                            .collect(Collectors.groupingBy(Workshop.Answer::participantId, Collectors.counting()));
            List<Tile> tiles = store.participants(id).stream()
                    .map(p -> new Tile(
                            p.id(), p.name(), answered.getOrDefault(p.id(), 0L).intValue()))
                    .toList();
            return new State(room, new You("instructor", null, null, Map.of(), Map.of()), tiles);
        }
        Workshop.Participant me = store.participants(id).stream()
                .filter(p -> p.id().equals(user.id()))
                .findFirst()
                .orElseThrow();
        Map<String, String> answers = new TreeMap<>();
        if (room.focus() != null) {
            store.answers(id, room.focus()).stream()
                    .filter(a -> a.participantId().equals(me.id()))
                    .forEach(a -> answers.put(a.questionId(), a.answer()));
        }
        Map<String, Boolean> correct = new TreeMap<>();
        if (room.step() != null && room.step().revealed()) {
            answers.forEach((q, a) -> {
                String truth = room.step().truth().get(q);
                if (truth != null) {
                    correct.put(q, Question.matches(a, truth));
                }
            });
        }
        return new State(room, new You("participant", me.id(), me.name(), answers, correct), List.of());
    }

    void focus(String id, String experimentId) {
        Workshop workshop = workshop(id);
        if (experimentId == null || !workshop.experiments().contains(experimentId)) {
            throw RunProblems.invalid(
                    "experimentId",
                    "'" + experimentId + "' is not on this workshop's agenda",
                    "one of " + String.join(", ", workshop.experiments()));
        }
        store.focus(id, experimentId);
        stream.publish(id, "focus");
    }

    void poll(String id, boolean open) {
        Workshop workshop = workshop(id);
        if (open && workshop.focus() == null) {
            throw RunProblems.conflict("focus an experiment before opening the poll");
        }
        store.pollOpen(id, open);
        stream.publish(id, "poll");
    }

    void answer(String id, RunOwner participant, Map<String, String> answers) {
        Workshop workshop = workshop(id);
        if (workshop.focus() == null || !workshop.pollOpen()) {
            throw RunProblems.conflict("the poll is closed; answers are taken while the instructor has it open");
        }
        if (answers == null || answers.isEmpty()) {
            throw RunProblems.invalid("answers", "no answers", "answers by question id");
        }
        ExperimentDefinition definition = definition("focus", workshop.focus());
        RunRequestValidator.validateAnswers(definition, answers, "answers.");
        Instant now = clock.instant();
        List<Workshop.Answer> rows = answers.entrySet().stream()
                .map(e -> new Workshop.Answer(
                        participant.id(),
                        workshop.focus(),
                        e.getKey(),
                        e.getValue().strip(),
                        now))
                .toList();
        store.answer(id, rows);
        // Many answers arrive together: the room hears about them a few times a second, not once each.
        stream.publishSoon(id, "answers");
    }

    SharedRun run(String id, WorkshopViews.SharedRunRequest request) {
        Workshop workshop = workshop(id);
        if (workshop.focus() == null) {
            throw RunProblems.conflict("focus an experiment before running it");
        }
        RunSnapshot run = engine.submit(validator.validate(
                new RunRequest(workshop.focus(), request.variant(), request.knobs(), Map.of(), null)));
        owners.record(run.id(), RunOwner.instructor(id));
        store.sharedRun(id, workshop.focus(), run.id());
        stream.publish(id, "run");
        return new SharedRun(run.id(), run.experimentId(), run.variant());
    }

    /** The truth per question, read off the focused step's finished shared run. */
    void reveal(String id) {
        Workshop workshop = workshop(id);
        if (workshop.focus() == null) {
            throw RunProblems.conflict("focus an experiment and run it before the reveal");
        }
        Workshop.Step step = store.step(id, workshop.focus())
                .filter(s -> s.sharedRunId() != null)
                .orElseThrow(() -> RunProblems.conflict("run the focused experiment before the reveal"));
        RunSnapshot run = runs.find(step.sharedRunId())
                .orElseThrow(() -> RunProblems.conflict("the shared run " + step.sharedRunId() + " is gone"));
        if (!run.status().finished()) {
            throw RunProblems.conflict("the shared run is still " + run.status() + "; reveal when it has finished");
        }
        Map<String, String> truth = new LinkedHashMap<>();
        for (PredictionResult p : run.predictions()) {
            if (p.actual() != null) {
                truth.put(p.questionId(), p.actual());
            }
        }
        if (truth.isEmpty() && run.status() != RunStatus.SUCCEEDED) {
            throw RunProblems.conflict("the shared run " + run.status() + " without answers to the questions");
        }
        store.pollOpen(id, false);
        store.reveal(id, new Workshop.Step(step.experimentId(), step.sharedRunId(), clock.instant(), truth));
        stream.publish(id, "reveal");
    }

    /** Per participant and question of every step: the answer, the truth once revealed, correct, when. */
    String resultsCsv(String id) {
        workshop(id);
        Map<String, String> names = store.participants(id).stream()
                .collect(Collectors.toMap(Workshop.Participant::id, Workshop.Participant::name));
        Map<String, Workshop.Step> steps =
                store.steps(id).stream().collect(Collectors.toMap(Workshop.Step::experimentId, s -> s));
        StringBuilder csv =
                new StringBuilder("participant_id,name,experiment,question,answer,truth,correct,answered_at\n");
        for (Workshop.Answer a : store.answers(id)) {
            Workshop.Step step = steps.get(a.experimentId());
            String truth =
                    step == null || !step.revealed() ? null : step.truth().get(a.questionId());
            csv.append(String.join(
                            ",",
                            Csv.cell(a.participantId()),
                            Csv.cell(names.getOrDefault(a.participantId(), "")),
                            Csv.cell(a.experimentId()),
                            Csv.cell(a.questionId()),
                            Csv.cell(a.answer()),
                            Csv.cell(truth == null ? "" : truth),
                            truth == null ? "" : Boolean.toString(Question.matches(a.answer(), truth)),
                            a.answeredAt().toString()))
                    .append('\n');
        }
        return csv.toString();
    }

    /** The room as everyone in it sees it (without seq; the stream numbers it). */
    Room room(String id) {
        Workshop w = workshop(id);
        List<AgendaItem> agenda = w.experiments().stream()
                .map(e -> new AgendaItem(
                        e, catalog.find(e).map(x -> x.definition().title()).orElse(e)))
                .toList();
        Step step = w.focus() == null ? null : step(w);
        return new Room(
                0,
                null,
                w.id(),
                w.code(),
                w.title(),
                w.pacing().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                w.leaderboard(),
                agenda,
                store.participantCount(id),
                w.capacity(),
                w.focus(),
                w.pollOpen(),
                step);
    }

    private Step step(Workshop w) {
        ExperimentDefinition d = definition("focus", w.focus());
        List<Workshop.Answer> answers = store.answers(w.id(), w.focus());
        Map<String, Map<String, Integer>> histogram = new LinkedHashMap<>();
        for (Question q : d.questions()) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            q.choices().forEach(c -> counts.put(c, 0));
            histogram.put(q.id(), counts);
        }
        for (Workshop.Answer a : answers) {
            Map<String, Integer> counts = histogram.get(a.questionId());
            if (counts != null) {
                String key = counts.keySet().stream()
                        .filter(c -> c.equalsIgnoreCase(a.answer()))
                        .findFirst()
                        .orElse(a.answer());
                counts.merge(key, 1, Integer::sum);
            }
        }
        int answered = (int)
                answers.stream().map(Workshop.Answer::participantId).distinct().count();
        Optional<Workshop.Step> stored = store.step(w.id(), w.focus());
        boolean revealed = stored.map(Workshop.Step::revealed).orElse(false);
        Map<String, String> truth = revealed ? stored.get().truth() : Map.of();
        Map<String, Integer> correct = new LinkedHashMap<>();
        if (revealed) {
            for (Workshop.Answer a : answers) {
                String t = truth.get(a.questionId());
                if (t != null) {
                    correct.merge(a.questionId(), Question.matches(a.answer(), t) ? 1 : 0, Integer::sum);
                }
            }
        }
        List<QuestionView> questions = d.questions().stream()
                .map(q -> new QuestionView(q.id(), q.text(), q.kind(), q.choices()))
                .toList();
        return new Step(
                d.id(),
                d.title(),
                questions,
                d.variants().stream().map(Variant::name).toList(),
                histogram,
                answered,
                stored.map(Workshop.Step::sharedRunId).orElse(null),
                revealed,
                truth,
                correct);
    }

    private Workshop workshop(String id) {
        return store.find(id).orElseThrow(() -> RunProblems.notFound("id", id, "the id of a workshop"));
    }

    private ExperimentDefinition definition(String field, String experimentId) {
        return catalog.find(experimentId == null ? "" : experimentId)
                .map(Experiment::definition)
                .orElseThrow(() -> RunProblems.notFound(
                        field,
                        String.valueOf(experimentId),
                        "an experiment id of the catalog, e.g. "
                                + catalog.all().stream()
                                        .limit(3)
                                        .map(e -> e.definition().id())
                                        .collect(Collectors.joining(", "))));
    }

    private static Workshop.Pacing pacing(String pacing) {
        if (pacing == null || pacing.isBlank() || pacing.equalsIgnoreCase("instructor-led")) {
            return Workshop.Pacing.INSTRUCTOR_LED;
        }
        if (pacing.equalsIgnoreCase("self-paced")) {
            return Workshop.Pacing.SELF_PACED;
        }
        throw RunProblems.invalid("pacing", "unknown pacing '" + pacing + "'", "instructor-led, self-paced");
    }

    /** A display name: 1 to 40 characters after trimming, none of them control or format characters. */
    static String validName(String raw) {
        String name = raw == null ? "" : raw.strip();
        int length = name.codePointCount(0, name.length());
        if (length < 1 || length > NAME_MAX) {
            throw RunProblems.invalid(
                    "name",
                    "the name has " + length + " characters",
                    "1 to " + NAME_MAX + " characters, no control characters");
        }
        if (hasControlCharacters(name)) {
            throw RunProblems.invalid(
                    "name",
                    "the name contains control characters",
                    "1 to " + NAME_MAX + " characters, no control characters");
        }
        return name;
    }

    /** Control characters, and format characters such as bidi overrides that reorder what is shown. */
    static boolean hasControlCharacters(String text) {
        return text.codePoints()
                .anyMatch(c -> Character.getType(c) == Character.CONTROL
                        || Character.getType(c) == Character.FORMAT
                        || Character.getType(c) == Character.LINE_SEPARATOR
                        || Character.getType(c) == Character.PARAGRAPH_SEPARATOR);
    }

    /** Codes are typed: case, spaces and dashes do not matter. */
    static String normalizedCode(String raw) {
        String code = raw == null ? "" : raw.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
        if (!code.matches("[A-Z0-9]{" + Tokens.CODE_LENGTH + "}")) {
            throw RunProblems.invalid(
                    "code",
                    "'" + Csv.printable(raw) + "' is not a join code",
                    Tokens.CODE_LENGTH + " letters and digits");
        }
        return code;
    }

    private static ErrorResponseException problem(HttpStatus status, String type, String title, String detail) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setType(URI.create("urn:spark-break-lab:problem:" + type));
        body.setTitle(title);
        return new ErrorResponseException(status, body, null);
    }

    /** Spreadsheet-safe CSV cells. */
    static final class Csv {

        private Csv() {}

        static String cell(String value) {
            String v = value == null ? "" : value;
            // A cell a spreadsheet would take for a formula is quoted as text.
            if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
                v = "'" + v;
            }
            if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
                v = "\"" + v.replace("\"", "\"\"") + "\"";
            }
            return v;
        }

        static String printable(String raw) {
            if (raw == null) {
                return "";
            }
            String cut = raw.length() > 20 ? raw.substring(0, 20) + "…" : raw;
            return cut.codePoints()
                    .filter(c -> !Character.isISOControl(c))
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                    .toString();
        }
    }

    /** Failed join attempts per client address and minute: a wrong code costs, a right one does not. */
    static final class JoinLimiter {

        private final int perMinute;
        private final Map<String, long[]> failures = new java.util.concurrent.ConcurrentHashMap<>();

        JoinLimiter(int perMinute) {
            this.perMinute = perMinute;
        }

        boolean allow(String address) {
            long[] window = failures.get(String.valueOf(address));
            long minute = System.currentTimeMillis() / 60_000;
            return window == null || window[0] != minute || window[1] < perMinute;
        }

        void failed(String address) {
            long minute = System.currentTimeMillis() / 60_000;
            if (failures.size() > 10_000) {
                failures.clear();
            }
            failures.compute(String.valueOf(address), (k, w) -> {
                if (w == null || w[0] != minute) {
                    return new long[] {minute, 1};
                }
                w[1]++;
                return w;
            });
        }
    }
}
