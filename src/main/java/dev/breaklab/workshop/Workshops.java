package dev.breaklab.workshop;

import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.Question;
import dev.breaklab.catalog.Variant;
import dev.breaklab.engine.RunProblems;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.RunSubmissions;
import dev.breaklab.run.PredictionResult;
import dev.breaklab.run.RunOwner;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunSnapshots;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.workshop.WorkshopViews.AgendaItem;
import dev.breaklab.workshop.WorkshopViews.Created;
import dev.breaklab.workshop.WorkshopViews.Joined;
import dev.breaklab.workshop.WorkshopViews.Progress;
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
    /** The most participants a room may be created for: the scale benchmark's 300, with room to spare. */
    static final int CAPACITY_MAX = 1000;
    /** The longest answering timer: a prediction is a matter of minutes. */
    static final int TIMER_MAX_SECONDS = 3600;

    private final WorkshopStore store;
    private final AgendaItems items;
    private final RunSubmissions submissions;
    private final RunSnapshots runs;
    private final WorkshopProperties properties;
    private final WorkshopStream stream;
    private final JoinLimiter joinLimiter;
    private final SharedRunRelay relay;
    private final LearnerRuns learnerRuns;
    private final Clock clock = Clock.systemUTC();

    Workshops(
            WorkshopStore store,
            AgendaItems items,
            RunSubmissions submissions,
            RunSnapshots runs,
            WorkshopProperties properties,
            WorkshopStream stream,
            SharedRunRelay relay,
            LearnerRuns learnerRuns) {
        this.store = store;
        this.items = items;
        this.submissions = submissions;
        this.runs = runs;
        this.properties = properties;
        this.stream = stream;
        this.relay = relay;
        this.learnerRuns = learnerRuns;
        this.joinLimiter = new JoinLimiter(properties.joinAttemptsPerMinute());
        stream.rooms(this::room);
    }

    Created create(WorkshopViews.CreateRequest request, String baseUrl) {
        String title = request.title() == null ? "" : request.title().strip();
        if (title.isEmpty() || title.length() > TITLE_MAX || hasControlCharacters(title)) {
            throw RunProblems.invalid(
                    "title", "the title is empty, too long or has control characters", "1 to 200 printable characters");
        }
        List<String> agenda =
                new java.util.ArrayList<>(request.experiments() == null ? List.of() : request.experiments());
        List<WorkshopViews.QueryItem> queryItems = request.queries() == null ? List.of() : request.queries();
        if (agenda.isEmpty() && queryItems.isEmpty()) {
            throw RunProblems.invalid(
                    "experiments", "the agenda is empty", "one or more experiment ids, or playground queries");
        }
        for (int i = 0; i < agenda.size(); i++) {
            items.experiment("experiments[" + i + "]", agenda.get(i));
        }
        List<WorkshopStore.Query> queries = new java.util.ArrayList<>();
        for (int i = 0; i < queryItems.size(); i++) {
            WorkshopViews.QueryItem item = queryItems.get(i);
            if (item == null) {
                throw RunProblems.invalid("queries[" + i + "]", "null", "{\"sql\": \"...\", \"conf\": {...}}");
            }
            WorkshopStore.Query query = new WorkshopStore.Query(
                    AgendaItems.QUERY_PREFIX + (i + 1), item.sql(), item.conf() == null ? Map.of() : item.conf());
            items.check(query);
            queries.add(query);
            agenda.add(query.itemId());
        }
        Workshop.Pacing pacing = pacing(request.pacing());
        int capacity = request.capacity() == null ? properties.capacity() : request.capacity();
        if (capacity < 1 || capacity > CAPACITY_MAX) {
            throw RunProblems.invalid(
                    "capacity", "a room for " + capacity + " participants", "1 to " + CAPACITY_MAX + " participants");
        }
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
                capacity,
                null,
                false,
                clock.instant(),
                1,
                null);
        store.insert(workshop, Tokens.hash(token));
        queries.forEach(q -> store.insertQuery(workshop.id(), q));
        String base = base(baseUrl);
        // The instructor's token travels in the link's fragment: browsers never send that to a server.
        return new Created(
                workshop.id(),
                code,
                token,
                base + "/join?code=" + code,
                base + "/workshops/" + workshop.id() + "/console#token=" + token);
    }

    /** The join link as learners reach it ({@code lab.workshops.public-url}, else the request's address). */
    String joinUrl(String id, String baseUrl) {
        return base(baseUrl) + "/join?code=" + workshop(id).code();
    }

    private String base(String baseUrl) {
        String base = properties.publicUrl().isBlank() ? baseUrl : properties.publicUrl();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
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
        Workshop.Participant participant =
                new Workshop.Participant(Tokens.id(), workshop.id(), name, clock.instant(), false);
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
        Workshop workshop = workshop(id);
        Room room = room(workshop);
        List<Workshop.Answer> focused = workshop.focus() == null
                ? List.of()
                : store.answers(id, workshop.focus()).stream()
                        .filter(a -> a.round() == workshop.round())
                        .toList();
        if (user.kind() == RunOwner.Kind.INSTRUCTOR) {
            Map<String, Long> answered = focused.stream()
                    .collect(Collectors.groupingBy(Workshop.Answer::participantId, Collectors.counting()));
            Map<String, Long> answers = store.answers(id).stream()
                    .collect(Collectors.groupingBy(Workshop.Answer::participantId, Collectors.counting()));
            Map<String, Integer> runs = store.runsPerParticipant(id);
            Map<String, String> steps = learnerRuns.lastExperiments(id);
            List<Tile> tiles = store.participants(id).stream()
                    .map(p -> new Tile(
                            p.id(),
                            p.name(),
                            steps.getOrDefault(p.id(), workshop.focus()),
                            answered.getOrDefault(p.id(), 0L).intValue(),
                            answers.getOrDefault(p.id(), 0L).intValue(),
                            runs.getOrDefault(p.id(), 0),
                            p.handRaised()))
                    .toList();
            return new State(room, new You("instructor", null, null, Map.of(), Map.of(), false, List.of()), tiles);
        }
        Workshop.Participant me = store.participants(id).stream()
                .filter(p -> p.id().equals(user.id()))
                .findFirst()
                .orElseThrow();
        Map<String, String> answers = new TreeMap<>();
        focused.stream()
                .filter(a -> a.participantId().equals(me.id()))
                .forEach(a -> answers.put(a.questionId(), a.answer()));
        Map<String, Boolean> correct = new TreeMap<>();
        if (room.step() != null && room.step().revealed()) {
            answers.forEach((q, a) -> {
                String truth = room.step().truth().get(q);
                if (truth != null) {
                    correct.put(q, Question.matches(a, truth));
                }
            });
        }
        return new State(
                room,
                new You(
                        "participant",
                        me.id(),
                        me.name(),
                        answers,
                        correct,
                        me.handRaised(),
                        learnerRuns.mine(id, me.id())),
                List.of());
    }

    void focus(String id, String experimentId) {
        Workshop workshop = workshop(id);
        AgendaItems.requireOnAgenda(workshop, experimentId);
        store.focus(id, experimentId);
        stream.publish(id, "focus");
    }

    void poll(String id, boolean open) {
        poll(id, open, null);
    }

    /** Opens answering (for {@code seconds}, if given: then it closes by itself) or closes it. */
    void poll(String id, boolean open, Integer seconds) {
        Workshop workshop = workshop(id);
        if (open && workshop.focus() == null) {
            throw RunProblems.conflict("focus an experiment before opening the poll");
        }
        Instant closesAt = open ? closesAt(seconds) : null;
        store.pollOpen(id, open, closesAt);
        stream.publish(id, "poll");
        closeLater(id, closesAt);
    }

    /**
     * Vote, discuss, vote again: the focused experiment's next round opens; the earlier round's
     * answers stay (histogram "previous", CSV column round).
     */
    void revote(String id, Integer seconds) {
        Workshop workshop = workshop(id);
        if (workshop.focus() == null) {
            throw RunProblems.conflict("focus an experiment before a re-vote");
        }
        boolean voted = store.answers(id, workshop.focus()).stream().anyMatch(a -> a.round() == workshop.round());
        if (!voted) {
            throw RunProblems.conflict(
                    "nobody has voted in round " + workshop.round() + " yet; a re-vote follows a vote");
        }
        Instant closesAt = closesAt(seconds);
        store.revote(id, closesAt);
        stream.publish(id, "poll");
        closeLater(id, closesAt);
    }

    private Instant closesAt(Integer seconds) {
        if (seconds == null) {
            return null;
        }
        if (seconds < 5 || seconds > TIMER_MAX_SECONDS) {
            throw RunProblems.invalid(
                    "seconds", "a timer of " + seconds + " s", "5 to " + TIMER_MAX_SECONDS + " seconds, or none");
        }
        return clock.instant().plusSeconds(seconds);
    }

    /** When the timer runs out the poll closes, unless it was closed or reopened meanwhile. */
    private void closeLater(String id, Instant closesAt) {
        if (closesAt != null) {
            stream.schedule(closesAt, () -> {
                Workshop w = workshop(id);
                if (w.pollOpen() && closesAt.equals(w.pollClosesAt())) {
                    store.pollOpen(id, false);
                    stream.publish(id, "poll");
                }
            });
        }
    }

    void pacing(String id, String pacing) {
        workshop(id);
        store.pacing(id, pacing(pacing));
        stream.publish(id, "pacing");
    }

    void hand(String id, RunOwner participant, boolean raised) {
        workshop(id);
        store.hand(participant.id(), raised);
        stream.publishSoon(id, "hand");
    }

    /** A learner's own run of an agenda experiment, in the room's fair queue (self-paced rooms). */
    WorkshopViews.Queued learnerRun(String id, RunOwner participant, WorkshopViews.LearnerRunRequest request) {
        Workshop workshop = workshop(id);
        if (workshop.pacing() != Workshop.Pacing.SELF_PACED) {
            throw RunProblems.conflict(
                    "the workshop is instructor-led; learners run their own variants once it is self-paced");
        }
        String experimentId = request.experimentId() == null ? workshop.focus() : request.experimentId();
        AgendaItems.requireOnAgenda(workshop, experimentId);
        var validated = items.run(workshop, experimentId, request.variant(), request.knobs());
        WorkshopViews.Queued queued = learnerRuns.enqueue(
                id, participant.id(), experimentId, validated.variant().name(), validated);
        stream.publishSoon(id, "queue");
        return queued;
    }

    void answer(String id, RunOwner participant, Map<String, String> answers) {
        Workshop workshop = workshop(id);
        if (!workshop.acceptsAnswers(clock.instant())) {
            throw RunProblems.conflict("the poll is closed; answers are taken while the instructor has it open");
        }
        if (answers == null || answers.isEmpty()) {
            throw RunProblems.invalid("answers", "no answers", "answers by question id");
        }
        ExperimentDefinition definition = items.definition(workshop, workshop.focus());
        RunRequestValidator.validateAnswers(definition, answers, "answers.");
        Instant now = clock.instant();
        List<Workshop.Answer> rows = answers.entrySet().stream()
                .map(e -> new Workshop.Answer(
                        participant.id(),
                        workshop.focus(),
                        workshop.round(),
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
        RunSnapshot run = submissions.submit(
                items.run(workshop, workshop.focus(), request.variant(), request.knobs()), RunOwner.instructor(id));
        store.sharedRun(id, workshop.focus(), run.id());
        relay.watch(run.id(), id);
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
                new StringBuilder("participant_id,name,experiment,round,question,answer,truth,correct,answered_at\n");
        for (Workshop.Answer a : store.answers(id)) {
            Workshop.Step step = steps.get(a.experimentId());
            String truth =
                    step == null || !step.revealed() ? null : step.truth().get(a.questionId());
            csv.append(String.join(
                            ",",
                            Csv.cell(a.participantId()),
                            Csv.cell(names.getOrDefault(a.participantId(), "")),
                            Csv.cell(a.experimentId()),
                            Integer.toString(a.round()),
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
        return room(workshop(id));
    }

    private Room room(Workshop w) {
        List<AgendaItem> agenda = w.experiments().stream()
                .map(e -> new AgendaItem(e, items.title(w, e)))
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
                store.participantCount(w.id()),
                w.capacity(),
                w.focus(),
                w.acceptsAnswers(clock.instant()),
                w.acceptsAnswers(clock.instant()) ? w.pollClosesAt() : null,
                step,
                learnerRuns.order(w.id()),
                learnerRuns.running(w.id()),
                w.leaderboard() ? standings(w) : List.of());
    }

    /** Right answers per participant over the revealed steps, each step's last round; top ten. */
    private List<WorkshopViews.Standing> standings(Workshop w) {
        Map<String, Workshop.Step> revealed = store.steps(w.id()).stream()
                .filter(Workshop.Step::revealed)
                .collect(Collectors.toMap(Workshop.Step::experimentId, s -> s));
        if (revealed.isEmpty()) {
            return List.of();
        }
        List<Workshop.Answer> answers = store.answers(w.id());
        Map<String, Integer> lastRound = new java.util.HashMap<>();
        answers.forEach(a -> lastRound.merge(a.experimentId(), a.round(), Math::max));
        Map<String, Integer> correct = new java.util.HashMap<>();
        for (Workshop.Answer a : answers) {
            Workshop.Step step = revealed.get(a.experimentId());
            String truth = step == null ? null : step.truth().get(a.questionId());
            if (truth != null && a.round() == lastRound.get(a.experimentId()) && Question.matches(a.answer(), truth)) {
                correct.merge(a.participantId(), 1, Integer::sum);
            }
        }
        Map<String, String> names = store.participants(w.id()).stream()
                .collect(Collectors.toMap(Workshop.Participant::id, Workshop.Participant::name));
        return correct.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue()
                        .reversed()
                        .thenComparing(e -> names.getOrDefault(e.getKey(), "")))
                .limit(10)
                .map(e -> new WorkshopViews.Standing(names.getOrDefault(e.getKey(), "?"), e.getValue()))
                .toList();
    }

    private Step step(Workshop w) {
        ExperimentDefinition d = items.definition(w, w.focus());
        List<Workshop.Answer> all = store.answers(w.id(), w.focus());
        List<Workshop.Answer> answers =
                all.stream().filter(a -> a.round() == w.round()).toList();
        Map<String, Map<String, Integer>> histogram = histogram(d, answers);
        Map<String, Map<String, Integer>> previous = w.round() > 1
                ? histogram(
                        d, all.stream().filter(a -> a.round() == w.round() - 1).toList())
                : null;
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
        String sharedRunId = stored.map(Workshop.Step::sharedRunId).orElse(null);
        Progress progress = sharedRunId == null
                ? null
                : runs.find(sharedRunId).map(Workshops::progress).orElse(null);
        List<QuestionView> questions = d.questions().stream()
                .map(q -> new QuestionView(q.id(), q.text(), q.kind(), q.choices()))
                .toList();
        return new Step(
                w.focus(),
                items.title(w, w.focus()),
                questions,
                d.variants().stream().map(Variant::name).toList(),
                w.round(),
                histogram,
                previous,
                answered,
                sharedRunId,
                progress,
                revealed,
                truth,
                correct);
    }

    /** Per question, the count of each answer (every choice listed, even at zero). */
    private static Map<String, Map<String, Integer>> histogram(ExperimentDefinition d, List<Workshop.Answer> answers) {
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
        return histogram;
    }

    static Progress progress(RunSnapshot run) {
        return new Progress(
                run.id(),
                run.status().name(),
                run.stages().size(),
                RunQueries.stagesRun(run),
                run.stages().stream().mapToLong(StageSnapshot::numTasks).sum(),
                run.stages().stream().mapToLong(StageSnapshot::completedTasks).sum(),
                run.durationMs(),
                run.error() == null ? null : run.error().message());
    }

    private Workshop workshop(String id) {
        return store.find(id).orElseThrow(() -> RunProblems.notFound("id", id, "the id of a workshop"));
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

    static ErrorResponseException problem(HttpStatus status, String type, String title, String detail) {
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
