package dev.breaklab.insight;

import dev.breaklab.plan.StageCount;
import dev.breaklab.run.Finding;
import dev.breaklab.run.RunDiagnosis;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The diagnosis engine: every rule over a run snapshot, live or finished, plus the stage-count
 * check. The publisher calls {@link #diagnose} on every snapshot it publishes, before anyone can
 * see it (off the listener thread; the rules are O(stages + plan nodes)), so a run's final
 * snapshot carries the findings on exactly that snapshot.
 */
@Component
public class Insight implements RunDiagnosis {

    private static final Logger log = LoggerFactory.getLogger(Insight.class);

    private final List<Rule> rules;
    private final RunFacts facts;

    public Insight(InsightProperties properties, RunFacts facts) {
        this.facts = facts;
        this.rules = List.of(
                new ResultSizeRule(properties.resultSize()),
                new OutOfMemoryRule(),
                new RetriesRule(),
                new NetworkShuffleRule(),
                new SkewRule(properties.skew()),
                new TimeSkewRule(properties.skew()),
                new AqeSkewDeclinedRule(),
                new SpillRule(properties.spill()),
                new TinyTasksRule(properties.tinyTasks()),
                new TaskPhasesRule(properties.taskPhases(), properties.tinyTasks()),
                new ParallelismRule(properties.parallelism()),
                new ShuffleExplosionRule(properties.shuffleExplosion()),
                new BroadcastTimeoutRule(),
                new BroadcastRule(properties.broadcast()),
                new CrossJoinRule(),
                new RecomputationRule(),
                new PartialCacheRule(),
                new ExtraShuffleRule(),
                new MissedBroadcastRule(),
                new AvoidableSortRule(),
                new SmallFilesRule(properties.smallFiles()),
                new SmallOutputFilesRule(properties.smallFiles()),
                new PartitionPruningRule(),
                new FilterPushdownRule(),
                new DriverBoundRule(),
                new SinglePartitionRule(),
                new MapSideCombineRule(),
                new StreamRestartRule(),
                new StreamingStateRule(),
                new LateRowsRule(),
                new StreamBacklogRule(),
                new GcRule(properties.gc()),
                new HeapObjectsRule(),
                new AqeCoalesceRule(),
                new AqeSkewSplitRule(),
                new AqeJoinSwitchRule());
    }

    /** Every finding on the run, most severe first. */
    public List<Finding> findings(RunSnapshot run) {
        return findings(run, facts.cores(), facts.maxResultSizeBytes());
    }

    /**
     * The same for a run of another application (an imported event log): its own task slots and
     * {@code spark.driver.maxResultSize}, not the lab engine's.
     */
    public List<Finding> findings(RunSnapshot run, int cores, long maxResultSizeBytes) {
        Subject subject = new Subject(run, cores, maxResultSizeBytes);
        List<Observation> observations = new ArrayList<>();
        for (Rule rule : rules) {
            try {
                observations.addAll(rule.check(subject));
            } catch (RuntimeException e) {
                // One rule tripping over an odd snapshot must not hide the others' findings.
                log.warn("Rule {} failed on run {}: {}", rule.getClass().getSimpleName(), run.id(), e.toString());
            }
        }
        var fixes = facts.fixes(run.experimentId());
        return observations.stream()
                .sorted(Comparator.comparing(Observation::severity).reversed())
                .map(o -> new Finding(
                        o.kind(),
                        o.severity(),
                        o.stageId(),
                        o.summary(),
                        o.detail(),
                        o.fix(),
                        o.operator(),
                        o.numbers(),
                        FixResolver.resolve(o, run.variant(), fixes)))
                .toList();
    }

    /**
     * Every finding kind the diagnosis can report: the {@code KIND} of each rule the sealed {@link
     * Rule} permits. A lesson's primary finding must be one of them.
     */
    public static Set<String> kinds() {
        Set<String> kinds = new TreeSet<>();
        for (Class<?> rule : Rule.class.getPermittedSubclasses()) {
            try {
                kinds.add((String) rule.getDeclaredField("KIND").get(null));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(rule.getSimpleName() + " has no KIND", e);
            }
        }
        return kinds;
    }

    /** The stage prediction beside what ran; null before the run has a plan or a job. */
    public StageCount stageCount(RunSnapshot run) {
        return StageCounts.of(run);
    }

    /** Findings and the stage-count check on every snapshot of a run that has left the queue. */
    @Override
    public RunSnapshot diagnose(RunSnapshot snapshot) {
        if (snapshot.status() == RunStatus.QUEUED) {
            return snapshot;
        }
        return snapshot.withInsight(findings(snapshot), stageCount(snapshot));
    }
}
