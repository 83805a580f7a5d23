package dev.breaklab.insight;

import java.util.List;

/**
 * One diagnosis rule. The set is closed: each rule reports one finding kind, its {@code KIND}
 * constant (kebab-case and stable: the browser, the tests and a lesson's primary finding key on it),
 * and the README documents every one of them with its threshold and fix.
 */
sealed interface Rule
        permits SkewRule,
                TimeSkewRule,
                SpillRule,
                TinyTasksRule,
                TaskPhasesRule,
                ParallelismRule,
                ShuffleExplosionRule,
                BroadcastRule,
                GcRule,
                HeapObjectsRule,
                RetriesRule,
                OutOfMemoryRule,
                NetworkShuffleRule,
                ResultSizeRule,
                AqeCoalesceRule,
                AqeSkewSplitRule,
                AqeJoinSwitchRule,
                AqeSkewDeclinedRule,
                RecomputationRule,
                PartialCacheRule,
                ExtraShuffleRule,
                CrossJoinRule,
                MissedBroadcastRule,
                BroadcastTimeoutRule,
                AvoidableSortRule,
                SmallFilesRule,
                SmallOutputFilesRule,
                PartitionPruningRule,
                FilterPushdownRule,
                DriverBoundRule,
                SinglePartitionRule,
                MapSideCombineRule,
                StreamingStateRule,
                LateRowsRule,
                StreamBacklogRule,
                StreamRestartRule {

    List<Observation> check(Subject subject);
}
