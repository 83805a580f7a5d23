package dev.breaklab.insight;

import java.util.List;

/**
 * One diagnosis rule. The set is closed: each rule is one finding kind, and the README documents
 * every one of them with its threshold and fix.
 */
sealed interface Rule
        permits SkewRule,
                SpillRule,
                TinyTasksRule,
                ParallelismRule,
                ShuffleExplosionRule,
                BroadcastRule,
                GcRule,
                RetriesRule,
                ResultSizeRule,
                AqeCoalesceRule,
                AqeSkewSplitRule,
                AqeJoinSwitchRule,
                AqeSkewDeclinedRule,
                RecomputationRule,
                ExtraShuffleRule,
                CrossJoinRule,
                MissedBroadcastRule,
                BroadcastTimeoutRule,
                AvoidableSortRule,
                SmallFilesRule,
                SinglePartitionRule,
                MapSideCombineRule,
                StreamingStateRule,
                LateRowsRule,
                StreamBacklogRule,
                StreamRestartRule {

    /** The finding kind this rule reports, kebab-case and stable (the browser and tests key on it). */
    String kind();

    List<Observation> check(Subject subject);
}
