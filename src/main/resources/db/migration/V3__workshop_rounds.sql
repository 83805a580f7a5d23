-- Workshops, second part (README, "Workshops"): re-vote rounds, the answering timer, pacing that the
-- instructor may switch, raised hands. Plain SQL that H2 2.x and PostgreSQL 15+ both run.
ALTER TABLE workshops ADD COLUMN vote_round INTEGER DEFAULT 1 NOT NULL;
ALTER TABLE workshops ADD COLUMN poll_closes_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE workshop_participants ADD COLUMN hand_raised BOOLEAN DEFAULT FALSE NOT NULL;

-- Answers per round: vote, discuss, vote again; every round is kept (and exported).
CREATE TABLE workshop_votes (
    workshop_id    VARCHAR(32)              NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    participant_id VARCHAR(32)              NOT NULL REFERENCES workshop_participants (id) ON DELETE CASCADE,
    experiment_id  VARCHAR(200)             NOT NULL,
    vote_round     INTEGER                  NOT NULL,
    question_id    VARCHAR(200)             NOT NULL,
    answer         VARCHAR(200)             NOT NULL,
    answered_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (participant_id, experiment_id, vote_round, question_id)
);
CREATE INDEX workshop_votes_room ON workshop_votes (workshop_id, experiment_id);
INSERT INTO workshop_votes (workshop_id, participant_id, experiment_id, vote_round, question_id, answer, answered_at)
    SELECT workshop_id, participant_id, experiment_id, 1, question_id, answer, answered_at FROM workshop_answers;
DROP TABLE workshop_answers;

-- Agenda items that are playground queries (issue 15): the SQL and its settings (JSON). The agenda
-- names them query-1, query-2, ... after the catalog's experiments.
CREATE TABLE workshop_queries (
    workshop_id VARCHAR(32)    NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    item_id     VARCHAR(32)    NOT NULL,
    sql_text    VARCHAR(20000) NOT NULL,
    conf        VARCHAR(4000)  NOT NULL,
    PRIMARY KEY (workshop_id, item_id)
);
