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
 *         .title("...").summary("...").concepts(Concept.PARTITIONS)
 *         .sql("""SELECT ... FROM range(${rows}) ...""")
 *         .knob(Knobs.rows(200_000)).knob(Knobs.shufflePartitions(1_000))
 *         .variant(Variant.of("broken", "...", "...").withConf("spark.sql.adaptive.enabled", "false"))
 *         .question(Questions.stagesRun())
 *         .evidence(Evidence.central(...))
 *         .primaryFinding("tiny-tasks"));
 * }</pre>
 *
 * @param story the lesson's prose, read from {@code src/main/resources/catalog/stories/<id>.txt} (see
 *     {@link Stories}); a lesson not yet moved there may still give it inline with {@code story(...)},
 *     never both
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
        private String title;
        private String summary;
        private final List<Concept> concepts = new ArrayList<>();
        private String story;
        private final Map<String, Object> storyValues = new LinkedHashMap<>();
        private String sql;
        private final Map<String, String> sqlByVariant = new LinkedHashMap<>();
        private String noSql;
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

        public Builder title(String title) {
            this.title = title;
            return this;
        }

        public Builder summary(String summary) {
            this.summary = summary;
            return this;
        }

        public Builder concepts(Concept... concepts) {
            this.concepts.addAll(List.of(concepts));
            return this;
        }

        /**
         * The story inline, for a lesson whose story is not yet in its file {@code
         * catalog/stories/<id>.txt}; a lesson has one or the other, never both.
         */
        public Builder story(String story) {
            this.story = story;
            return this;
        }

        /** The value of {@code ${name}} in the story, for a figure that depends on the lab's settings. */
        public Builder storyValue(String name, Object value) {
            this.storyValues.put(name, value);
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

        /** Says why the lesson has no SQL form (the RDD API, a streaming sink). */
        public Builder noSql(String why) {
            this.noSql = why;
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
            require(title != null && summary != null, "title and summary");
            String story = story();
            require(!concepts.isEmpty(), "at least one concept");
            require(variants.stream().anyMatch(v -> v.name().equals("broken")), "a broken variant");
            require(variants.stream().anyMatch(v -> v.name().equals("fixed")), "a fixed variant");
            require(
                    variants.stream().map(Variant::name).distinct().count() == variants.size(),
                    "distinct variant names");
            require(sql != null ^ noSql != null, "either sql(...) or noSql(...)");
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
            Code code = new Code(
                    LessonSource.javaOf(source), LessonSource.importsOf(source), sql, Map.copyOf(sqlByVariant), noSql);
            return new ExperimentDefinition(
                    id,
                    title,
                    summary,
                    List.copyOf(concepts),
                    story,
                    code,
                    List.copyOf(knobs),
                    List.copyOf(variants),
                    List.copyOf(questions),
                    List.copyOf(evidence),
                    requires,
                    primaryFinding);
        }

        /** The story from its file, or inline for a lesson not yet moved; one of the two, never both. */
        private String story() {
            Optional<String> file = Stories.file(id);
            String where = "src/main/resources/" + Stories.FOLDER + id + ".txt";
            require(
                    file.isPresent() || story != null,
                    "a story: the file " + where + " (plain paragraphs separated by a blank line)");
            require(
                    file.isEmpty() || story == null,
                    "one story, but it has " + where + " and an inline story(...): delete the inline one");
            return Stories.fill(id, file.orElse(story), storyValues);
        }

        private void require(boolean condition, String what) {
            if (!condition) {
                throw new IllegalStateException("experiment " + id + " needs " + what);
            }
        }
    }
}
