package dev.breaklab.catalog;

/** A knob value the experiment does not allow; it names the knob and says what is allowed. */
public class InvalidKnobException extends RuntimeException {

    private final String knob;
    private final String allowed;

    public InvalidKnobException(Knob knob, String message) {
        this(knob.name(), "knob '" + knob.name() + "' " + message, knob.allowed());
    }

    InvalidKnobException(String knob, String message, String allowed) {
        super(message);
        this.knob = knob;
        this.allowed = allowed;
    }

    /** The knob's name as the request spelled it. */
    public String knob() {
        return knob;
    }

    public String allowed() {
        return allowed;
    }
}
