package dev.breaklab.engine;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.Optional;

/**
 * The main class of every process the lab starts (the local cluster's Master and Workers): it runs
 * the real main class given as its first argument, and ends the process as soon as the lab is gone,
 * also when the lab was killed hard ({@code kill -9}) and had no chance to stop its children. The
 * lab holds the write end of the child's stdin and never writes: end-of-file means the lab is gone.
 * As a second guard it polls the lab's pid ({@code -Dlab.parent.pid}). Exiting runs the daemon's
 * shutdown hooks: a Worker kills the executors it launched, so no executor outlives the lab either
 * (an executor also exits on its own when its Worker or its driver disappears).
 *
 * <p>No Spark class is referenced here, so it loads before Spark does.
 */
public final class ChildOfLab {

    static final String PARENT_PID = "lab.parent.pid";

    private ChildOfLab() {}

    public static void main(String[] args) throws Throwable {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: ChildOfLab <main class> [args...]");
        }
        watch(System.in);
        Optional.ofNullable(System.getProperty(PARENT_PID))
                .map(Long::parseLong)
                .flatMap(ProcessHandle::of)
                .ifPresent(ChildOfLab::watch);
        try {
            Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object)
                    Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void watch(InputStream stdin) {
        daemon("lab-parent-stdin", () -> {
            try {
                while (stdin.read() != -1) {
                    // the lab never writes; anything else is ignored
                }
            } catch (IOException e) {
                // a broken pipe means the same: the lab is gone
            }
            exit("the lab closed this process's stdin");
        });
    }

    private static void watch(ProcessHandle parent) {
        daemon("lab-parent-pid", () -> {
            while (parent.isAlive()) {
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            exit("the lab (pid " + parent.pid() + ") is gone");
        });
    }

    private static void exit(String why) {
        System.err.println("Exiting: " + why);
        // Shutdown hooks (a Worker killing its executors) get ten seconds, then the process halts.
        daemon("lab-child-halt", () -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                // halt now
            }
            Runtime.getRuntime().halt(1);
        });
        System.exit(0);
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }
}
