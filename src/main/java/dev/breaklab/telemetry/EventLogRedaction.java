package dev.breaklab.telemetry;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Optional redaction of an imported log, line by line before Spark parses it: host names, file
 * paths and user names become {@code <host>}, {@code <path>} and {@code <user>}. Hosts and users are
 * learned from the log itself (executors, block managers, {@code spark.driver.host}, the
 * application's user, {@code user.name}, home directories) as its first events pass; paths are
 * URIs of file systems and absolute paths. Task events are left alone: the lab keeps no text of
 * them (a task's host and error never reach a run). Best effort, like any pattern-based redaction.
 */
final class EventLogRedaction {

    private static final Pattern HOST_FIELD = Pattern.compile(
            "\"(?:Host|Executor Host|spark\\.driver\\.host|spark\\.driver\\.bindAddress)\":\"([^\"\\\\]+)\"");
    private static final Pattern USER_FIELD =
            Pattern.compile("\"(?:User|user\\.name|Spark User|SPARK_USER)\":\"([^\"\\\\]+)\"");
    private static final Pattern HOME = Pattern.compile("/(?:home|Users)/([A-Za-z0-9._-]+)");
    private static final Pattern URI_PATH = Pattern.compile(
            "\\b(?:file|hdfs|s3a?|s3n|abfss?|wasbs?|gs|dbfs|viewfs|jar|oss|cos):/{0,3}[^\\s\"'\\\\,\\]\\[()]+");
    private static final Pattern ABSOLUTE_PATH =
            Pattern.compile("(?<=[\\s\"\\[(=,:])/(?:[^\\s\"'\\\\,\\]\\[()/]+/)+[^\\s\"'\\\\,\\]\\[()]*");
    private static final Pattern IPV4 = Pattern.compile("(?<![\\d.])(?:\\d{1,3}\\.){3}\\d{1,3}(?![\\d.])");

    private final boolean hosts;
    private final boolean paths;
    private final boolean users;
    private final Set<String> knownHosts = new LinkedHashSet<>();
    private final Set<String> knownUsers = new LinkedHashSet<>();
    private Pattern hostPattern;
    private Pattern userPattern;

    EventLogRedaction(boolean hosts, boolean paths, boolean users) {
        this.hosts = hosts;
        this.paths = paths;
        this.users = users;
    }

    boolean enabled() {
        return hosts || paths || users;
    }

    String apply(String line) {
        if (!enabled() || line.startsWith("{\"Event\":\"SparkListenerTask")) {
            return line;
        }
        learn(line);
        String out = line;
        if (paths) {
            out = URI_PATH.matcher(out).replaceAll("<path>");
            out = ABSOLUTE_PATH.matcher(out).replaceAll("<path>");
        }
        if (users && userPattern != null) {
            out = userPattern.matcher(out).replaceAll("<user>");
        }
        if (users) {
            out = HOME.matcher(out).replaceAll("/home/<user>");
        }
        if (hosts) {
            if (hostPattern != null) {
                out = hostPattern.matcher(out).replaceAll("<host>");
            }
            out = IPV4.matcher(out)
                    .replaceAll(
                            m -> m.group().equals("127.0.0.1") || m.group().equals("0.0.0.0") ? m.group() : "<host>");
        }
        return out;
    }

    private void learn(String line) {
        if (hosts && knownHosts.size() < 10_000) {
            Matcher m = HOST_FIELD.matcher(line);
            boolean added = false;
            while (m.find()) {
                String host = m.group(1);
                if (host.length() >= 2 && !host.equals("localhost") && !host.startsWith("<")) {
                    added |= knownHosts.add(host);
                }
            }
            if (added) {
                hostPattern = alternation(knownHosts);
            }
        }
        if (users) {
            Matcher m = USER_FIELD.matcher(line);
            boolean added = false;
            while (m.find()) {
                added |= add(m.group(1));
            }
            Matcher home = HOME.matcher(line);
            while (home.find()) {
                added |= add(home.group(1));
            }
            if (added) {
                userPattern = alternation(knownUsers);
            }
        }
    }

    private boolean add(String user) {
        return user.length() >= 2 && !user.startsWith("<") && knownUsers.size() < 1_000 && knownUsers.add(user);
    }

    /** Whole names only: not inside a longer word, a dotted key or a hyphenated name. */
    private static Pattern alternation(Set<String> words) {
        StringBuilder sb = new StringBuilder("(?<![\\w.-])(?:");
        boolean first = true;
        for (String w : words) {
            sb.append(first ? "" : "|").append(Pattern.quote(w));
            first = false;
        }
        return Pattern.compile(sb.append(")(?![\\w-]|\\.\\w)").toString());
    }
}
