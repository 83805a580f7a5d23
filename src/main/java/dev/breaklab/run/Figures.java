package dev.breaklab.run;

import java.util.Locale;

/** Figures for people, in the one style every lesson, finding and comparison uses. */
public final class Figures {

    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB"};

    private Figures() {}

    /** 1536 -> "1.5 KiB"; below 1 KiB in bytes. */
    public static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    /** 1234567 -> "1,234,567". */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A share or ratio rounded to two decimals, for a finding's numbers. */
    public static double share(double value) {
        return Math.round(value * 100) / 100.0;
    }

    /** 0.25 -> "25%". */
    public static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    /** 850 -> "850 ms"; 12345 -> "12.3 s". */
    public static String millis(long ms) {
        return ms < 1_000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** 5.04 -> "5.0x". */
    public static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.1fx", ratio);
    }
}
