package dev.breaklab.catalog;

/** A knob value outside what the knob allows; the message says what is allowed. */
public class InvalidKnobException extends RuntimeException {

    private final transient Knob knob;

    public InvalidKnobException(Knob knob, String message) {
        super("knob '" + knob.name() + "' " + message);
        this.knob = knob;
    }

    public Knob knob() {
        return knob;
    }
}
