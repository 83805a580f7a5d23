package dev.breaklab.catalog;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything about an experiment that is not the Spark job itself. Written with {@link #define}, usually
 * in the constructor of an {@link ExperimentBase}, which builds it:
 *
 * <pre>{@code
 * super(define("tiny-partitions", TinyPartitionsExperiment.class)
 *         .concepts(Concept.PARTITIONS)
 *         .sql("""SELECT ... FROM range(${rows}) ...""")
 *         .knob(Knobs.rows(200_000)).knob(Knobs.shufflePartitions(1_000))
 *         .variant(Variants.aqeOff("broken")).variant(Variants.aqeOff("fixed").withKnob(...))
 *         .question(Questions.stagesRun())
 *         .evidence(Evidence.central("one-task-per-partition", Set.of("broken"), run -> ...))
 *         .primaryFinding("tiny-tasks"));
 * }</pre>
 *
 * The words (title, summary, each variant's title and description, each claim, the story) are in the
 * lesson's text file, {@code src/main/resources/catalog/lessons/<id>.txt} (see {@link LessonText});
 * building fails, naming the file, when a variant or claim has no words there or the file has words for
 * something the experiment does not define.
 *
 * @param code the Java the learner reads is cut from the experiment's own source (see {@link
 *     LessonSource}); the SQL is run by the tests and must plan like the Java
 * @param primaryFinding the finding kind the broken variant is about: the diagnosis must report it on
 *     broken and not on fixed
 */
public record ExperimentDefinition(
        String id,
        String title,
        String summary,
        List<Concept> concepts,
        String story,
        Code code,
        List<Knob> knobs,
        List<Variant> variants,
        List<Question> questions,
        List<Evidence> evidence,
        Requires requires,
        String primaryFinding) {

    /** Where an experiment can run. */
    public enum Requires {
        /** Anywhere, the embedded {@code local[N]} session included. */
        EMBEDDED,
        /** Only with separate executor processes (a local or remote cluster). */
        CLUSTER;

        @JsonValue
        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The code on the page.
     *
     * @param java the lines of the experiment's {@code run} between {@code // lesson:start} and {@code
     *     // lesson:end}, exactly as compiled
     * @param imports the source's imports the lesson code can need outside the lab (Spark, Scala, the
     *     JDK): the Java snippet starts with them
     * @param sql the same job in Spark SQL, {@code ${knob}} standing for knob values: statements
     *     separated by {@code ;}, the last ones the queries; null when there is no SQL form
     * @param sqlByVariant the SQL of variants whose query differs from {@code sql}
     * @param noSql why there is no SQL form (RDD API, streaming), when {@code sql} is null
     */
    public record Code(String java, String imports, String sql, Map<String, String> sqlByVariant, String noSql) {

        /** The SQL of {@code variant}, if the lesson has a SQL form. */
        public Optional<String> sqlFor(String variant) {
            return Optional.ofNullable(sqlByVariant.getOrDefault(variant, sql));
        }
    }

    public static Builder define(String id, Class<? extends Experiment> source) {
        return new Builder(id, source);
    }

    public Optional<Variant> variant(String name) {
        return variants.stream().filter(v -> v.name().equals(name)).findFirst();
    }

    public Optional<Knob> knob(String name) {
        return knobs.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    public Optional<Question> question(String id) {
        return questions.stream().filter(q -> q.id().equals(id)).findFirst();
    }

    /**
     * Every Spark setting a run of {@code variant} with {@code knobs} applies to its session, in the
     * order applied: the variant's settings, then the knobs that drive a setting. The run snapshot,
     * the page and the snippets all show this map.
     */
    public Map<String, String> conf(Variant variant, KnobValues knobs) {
        Map<String, String> conf = new LinkedHashMap<>(variant.conf());
        for (Knob knob : this.knobs) {
            if (knob.sparkConf() != null) {
                conf.put(knob.sparkConf(), knob.toConf(knobs.values().get(knob.name())));
            }
        }
        return conf;
    }

    /**
     * The knob values of a run: the knob defaults, then the variant's values, then what was asked
     * for, each parsed by its knob.
     *
     * @throws InvalidKnobException naming the knob when a value is unknown or not allowed
     */
    public KnobValues knobValues(Variant variant, Map<String, Object> requested) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Knob knob : knobs) {
            values.put(knob.name(), variant.knobs().getOrDefault(knob.name(), knob.defaultValue()));
        }
        for (Map.Entry<String, Object> entry : requested.entrySet()) {
            Knob knob = knob(entry.getKey())
                    .orElseThrow(() -> new InvalidKnobException(
                            entry.getKey(),
                            "unknown knob '" + entry.getKey() + "' for " + id,
                            "one of "
                                    + String.join(
                                            ", ", knobs.stream().map(Knob::name).toList())));
            values.put(knob.name(), knob.parse(entry.getValue()));
        }
        return new KnobValues(values);
    }

    /** The lesson's SQL for a variant with the knob values written in, if it has a SQL form. */
    @JsonIgnore
    public Optional<String> sql(Variant variant, KnobValues knobs) {
        return code.sqlFor(variant.name()).map(sql -> {
            String out = sql;
            for (Map.Entry<String, Object> knob : knobs.values().entrySet()) {
                out = out.replace("${" + knob.getKey() + "}", String.valueOf(knob.getValue()));
            }
            return out;
        });
    }

    /** Named fields instead of positions; {@link #build} checks what every experiment must have. */
    public static final class Builder {
        private final String id;
        private final Class<? extends Experiment> source;
        private final List<Concept> concepts = new ArrayList<>();
        private final Map<String, Object> values = new LinkedHashMap<>();
        private String sql;
        private final Map<String, String> sqlByVariant = new LinkedHashMap<>();
        private final List<Knob> knobs = new ArrayList<>();
        private final List<Variant> variants = new ArrayList<>();
        private final List<Question> questions = new ArrayList<>();
        private final List<Evidence> evidence = new ArrayList<>();
        private Requires requires = Requires.EMBEDDED;
        private String primaryFinding;

        private Builder(String id, Class<? extends Experiment> source) {
            this.id = Objects.requireNonNull(id);
            this.source = Objects.requireNonNull(source);
        }

        public Builder concepts(Concept... concepts) {
            this.concepts.addAll(List.of(concepts));
            return this;
        }

        /** The value of {@code ${name}} in the lesson's text, for a figure that depends on the lab's settings. */
        public Builder value(String name, Object value) {
            this.values.put(name, value);
            return this;
        }

        /** The lesson in SQL; {@code ${knob}} is replaced by the knob's value. */
        public Builder sql(String sql) {
            this.sql = sql.strip();
            return this;
        }

        /** The SQL of one variant whose query differs from the lesson's {@link #sql(String)}. */
        public Builder sql(String variant, String sql) {
            this.sqlByVariant.put(variant, sql.strip());
            return this;
        }

        public Builder knob(Knob knob) {
            knobs.add(knob);
            return this;
        }

        public Builder variant(Variant variant) {
            variants.add(variant);
            return this;
        }

        public Builder question(Question question) {
            questions.add(question);
            return this;
        }

        public Builder evidence(Evidence claim) {
            evidence.add(claim);
            return this;
        }

        public Builder requires(Requires requires) {
            this.requires = requires;
            return this;
        }

        /** The finding kind (an insight rule's KIND) the broken variant is about. */
        public Builder primaryFinding(String kind) {
            this.primaryFinding = kind;
            return this;
        }

        public ExperimentDefinition build() {
            LessonText text = LessonText.of(id)
                    .orElseThrow(() -> new IllegalStateException("experiment " + id + " needs its text file "
                            + LessonText.path(id) + " (title, summary, variants, claims, story)"));
            require(!concepts.isEmpty(), "at least one concept");
            require(variants.stream().anyMatch(v -> v.name().equals("broken")), "a broken variant");
            require(variants.stream().anyMatch(v -> v.name().equals("fixed")), "a fixed variant");
            require(
                    variants.stream().map(Variant::name).distinct().count() == variants.size(),
                    "distinct variant names");
            require(
                    sqlByVariant.keySet().stream().allMatch(v -> variants.stream()
                            .anyMatch(x -> x.name().equals(v))),
                    "sql(variant, ...) only for its own variants");
            require(!questions.isEmpty(), "at least one question");
            require(
                    evidence.stream()
                            .anyMatch(e -> e.central() && e.expectedIn().contains("broken")),
                    "a central evidence claim about broken");
            require(primaryFinding != null, "primaryFinding(...)");
            for (Evidence e : evidence) {
                for (String variant : e.expectedIn()) {
                    require(
                            variants.stream().anyMatch(v -> v.name().equals(variant)),
                            "evidence " + e.id() + " to name its own variants (" + variant + ")");
                }
            }
            for (Variant v : variants) {
                for (String knob : v.knobs().keySet()) {
                    require(
                            knobs.stream().anyMatch(k -> k.name().equals(knob)),
                            "variant " + v.name() + " to set only its own knobs (" + knob + ")");
                }
            }
            Words words = new Words(text, values);
            List<Variant> variants = this.variants.stream().map(words::variant).toList();
            List<Evidence> evidence = this.evidence.stream()
                    .map(e -> e.withClaim(words.text("claim " + e.id())))
                    .toList();
            String title = words.text("title");
            String summary = words.text("summary");
            List<Knob> knobs = this.knobs.stream().map(words::knob).toList();
            List<Question> questions = this.questions.stream()
                    .map(q -> q.text() != null ? q : q.withText(words.text("question " + q.id())))
                    .toList();
            String noSql = words.optional("no-sql");
            require(
                    sql != null ^ noSql != null,
                    "either sql(...) or 'no-sql: why' in " + LessonText.path(id) + ", not both");
            words.requireAllUsed();
            Code code = new Code(
                    LessonSource.javaOf(source), LessonSource.importsOf(source), sql, Map.copyOf(sqlByVariant), noSql);
            return new ExperimentDefinition(
                    id,
                    title,
                    summary,
                    List.copyOf(concepts),
                    LessonText.fill(text.file(), text.story(), values),
                    code,
                    knobs,
                    variants,
                    questions,
                    evidence,
                    requires,
                    primaryFinding);
        }

        private void require(boolean condition, String what) {
            if (!condition) {
                throw new IllegalStateException("experiment " + id + " needs " + what);
            }
        }
    }

    /** The entries of a lesson's text file, each taken exactly once. */
    private static final class Words {
        private final LessonText text;
        private final Map<String, Object> values;
        private final Map<String, LessonText.Entry> unused;

        Words(LessonText text, Map<String, Object> values) {
            this.text = text;
            this.values = values;
            this.unused = new LinkedHashMap<>(text.entries());
        }

        /** The whole entry {@code key} as one line of prose. */
        String text(String key) {
            return fill(take(key).text());
        }

        /** The variant with its title (the entry's first line) and description (its indented lines). */
        Variant variant(Variant variant) {
            String key = "variant " + variant.name();
            LessonText.Entry entry = take(key);
            if (entry.more().isEmpty()) {
                throw new IllegalStateException(
                        text.file() + " needs the description of '" + key + "' on the indented lines below it");
            }
            return variant.withText(fill(entry.first()), fill(entry.more()));
        }

        /** A lesson's own knob with its label and description; a shared knob (see {@link Knobs}) as it is. */
        Knob knob(Knob knob) {
            if (knob.label() != null) {
                return knob;
            }
            String key = "knob " + knob.name();
            LessonText.Entry entry = take(key);
            if (entry.more().isEmpty()) {
                throw new IllegalStateException(
                        text.file() + " needs the description of '" + key + "' on the indented lines below it");
            }
            return knob.withWords(fill(entry.first()), fill(entry.more()));
        }

        /** The entry's text, or null when the file does not have it. */
        String optional(String key) {
            return unused.containsKey(key) ? text(key) : null;
        }

        void requireAllUsed() {
            if (!unused.isEmpty()) {
                throw new IllegalStateException(text.file() + " has words for what the experiment does not define: "
                        + String.join(", ", unused.keySet()));
            }
        }

        private LessonText.Entry take(String key) {
            LessonText.Entry entry = unused.remove(key);
            if (entry == null) {
                throw new IllegalStateException(text.file() + " needs '" + key + ": ...'");
            }
            return entry;
        }

        private String fill(String words) {
            return LessonText.fill(text.file(), words, values);
        }
    }
}
