package dev.breaklab.run;

/**
 * Who a run belongs to: the lab's local user (no workshop involved), a workshop's instructor or one
 * of its participants. Only the owner, or the instructor of the owner's workshop, may cancel a run.
 *
 * @param id the participant's or the workshop's id; {@code local} for the local user
 * @param workshopId the workshop, or null for the local user
 */
public record RunOwner(Kind kind, String id, String workshopId) {

    public enum Kind {
        LOCAL,
        INSTRUCTOR,
        PARTICIPANT
    }

    public static final RunOwner LOCAL = new RunOwner(Kind.LOCAL, "local", null);

    public static RunOwner instructor(String workshopId) {
        return new RunOwner(Kind.INSTRUCTOR, workshopId, workshopId);
    }

    public static RunOwner participant(String participantId, String workshopId) {
        return new RunOwner(Kind.PARTICIPANT, participantId, workshopId);
    }

    /** The owner a request acts for: its authenticated owner, else the local user. */
    public static RunOwner orLocal(Object principal) {
        return principal instanceof RunOwner owner ? owner : LOCAL;
    }

    /** Whether this user may cancel a run {@code owner} started. */
    public boolean mayCancelRunOf(RunOwner owner) {
        return equals(owner) || (kind == Kind.INSTRUCTOR && id.equals(owner.workshopId()));
    }
}
