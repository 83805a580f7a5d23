-- Workshops (README, "Workshops"): rooms, their participants and answers, and who owns each run.
-- Tokens are stored only as SHA-256 hashes (hex). Plain SQL that H2 2.x and PostgreSQL 15+ both run.
CREATE TABLE workshops (
    id                    VARCHAR(32)              NOT NULL PRIMARY KEY,
    code                  VARCHAR(16)              NOT NULL UNIQUE,
    title                 VARCHAR(200)             NOT NULL,
    experiments           VARCHAR(4000)            NOT NULL,
    pacing                VARCHAR(16)              NOT NULL,
    leaderboard           BOOLEAN                  NOT NULL,
    capacity              INTEGER                  NOT NULL,
    instructor_token_hash VARCHAR(64)              NOT NULL UNIQUE,
    focus                 VARCHAR(200),
    poll_open             BOOLEAN                  NOT NULL,
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE workshop_participants (
    id          VARCHAR(32)              NOT NULL PRIMARY KEY,
    workshop_id VARCHAR(32)              NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    name        VARCHAR(40)              NOT NULL,
    token_hash  VARCHAR(64)              NOT NULL UNIQUE,
    joined_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX workshop_participants_room ON workshop_participants (workshop_id, joined_at);

-- One answer per participant, experiment and question; answering again replaces it.
CREATE TABLE workshop_answers (
    workshop_id    VARCHAR(32)              NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    participant_id VARCHAR(32)              NOT NULL REFERENCES workshop_participants (id) ON DELETE CASCADE,
    experiment_id  VARCHAR(200)             NOT NULL,
    question_id    VARCHAR(200)             NOT NULL,
    answer         VARCHAR(200)             NOT NULL,
    answered_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (participant_id, experiment_id, question_id)
);
CREATE INDEX workshop_answers_room ON workshop_answers (workshop_id, experiment_id);

-- Per experiment of a workshop: the shared run, and the truth read off it once revealed.
CREATE TABLE workshop_steps (
    workshop_id   VARCHAR(32)              NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    experiment_id VARCHAR(200)             NOT NULL,
    shared_run_id VARCHAR(64),
    revealed_at   TIMESTAMP WITH TIME ZONE,
    truth         VARCHAR(4000),
    PRIMARY KEY (workshop_id, experiment_id)
);

-- Every run's owner: the local user, a workshop's instructor or a participant.
CREATE TABLE run_owners (
    run_id      VARCHAR(64)  NOT NULL PRIMARY KEY,
    owner_kind  VARCHAR(16)  NOT NULL,
    owner_id    VARCHAR(32)  NOT NULL,
    workshop_id VARCHAR(32)
);
