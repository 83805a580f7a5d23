-- Finished runs, one row per run, written once when the run ends (a later final snapshot of the same
-- run replaces the row). The columns are what run lists filter and sort on; `snapshot` is the whole
-- run (evidence, findings, predictions included) as the JSON GET /api/runs/{id} serves.
-- Plain SQL that H2 2.x and PostgreSQL 15+ both run unchanged.
CREATE TABLE runs (
    id            VARCHAR(64)              NOT NULL PRIMARY KEY,
    experiment_id VARCHAR(200),
    variant       VARCHAR(200),
    status        VARCHAR(16)              NOT NULL,
    source        VARCHAR(16)              DEFAULT 'lab' NOT NULL,
    submitted_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at   TIMESTAMP WITH TIME ZONE,
    duration_ms   BIGINT,
    result        VARCHAR(1000),
    error_class   VARCHAR(200),
    saved_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    snapshot      TEXT                     NOT NULL
);

-- Newest first, whole list or by experiment (and variant), or by status.
CREATE INDEX runs_newest ON runs (submitted_at DESC, id DESC);
CREATE INDEX runs_experiment ON runs (experiment_id, variant, submitted_at DESC);
CREATE INDEX runs_status ON runs (status, submitted_at DESC);
