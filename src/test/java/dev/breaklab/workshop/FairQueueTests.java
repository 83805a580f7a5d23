package dev.breaklab.workshop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.workshop.LearnerRuns.FairQueue;
import dev.breaklab.workshop.LearnerRuns.Ticket;
import org.junit.jupiter.api.Test;

/** The self-paced queue's order: one running run per learner, round-robin across learners. */
class FairQueueTests {

    private static Ticket ticket(String id, String learner) {
        return new Ticket(id, learner, "tiny-partitions", "broken", null);
    }

    @Test
    void learners_take_turns_whatever_one_of_them_queued() {
        FairQueue queue = new FairQueue();
        queue.add(ticket("a1", "ada"));
        queue.add(ticket("a2", "ada"));
        queue.add(ticket("a3", "ada"));
        queue.add(ticket("b1", "bob"));
        queue.add(ticket("c1", "cy"));

        assertThat(queue.order()).extracting(Ticket::id).containsExactly("a1", "b1", "c1", "a2", "a3");
        assertThat(queue.next().id()).isEqualTo("a1");
        queue.running.put("ada", ticket("a1", "ada"));
        assertThat(queue.order())
                .as("ada waits for her running run: the others go first")
                .extracting(Ticket::id)
                .containsExactly("b1", "c1", "a2", "a3");
        assertThat(queue.next().id()).isEqualTo("b1");
        queue.running.put("bob", ticket("b1", "bob"));
        assertThat(queue.next().id()).isEqualTo("c1");
        queue.running.put("cy", ticket("c1", "cy"));
        assertThat(queue.next())
                .as("everyone with a queued run has one running")
                .isNull();

        queue.running.remove("ada");
        assertThat(queue.next().id()).isEqualTo("a2");
    }

    @Test
    void a_run_that_could_not_start_keeps_its_place() {
        FairQueue queue = new FairQueue();
        queue.add(ticket("a1", "ada"));
        queue.add(ticket("b1", "bob"));
        Ticket first = queue.next();
        queue.putBack(first);
        assertThat(queue.order()).extracting(Ticket::id).containsExactly("a1", "b1");
        assertThat(queue.waiting("ada")).isEqualTo(1);
    }
}
