package dev.breaklab.web;

import dev.breaklab.engine.RunProblems;
import dev.breaklab.run.RunFilter;
import dev.breaklab.run.RunPage;
import dev.breaklab.run.RunSnapshots;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.RunSummary;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * {@code GET /api/runs}: run summaries, newest first, one page at a time, filtered by experiment,
 * variant, status and submission time. Page 0 also lists the runs still queued or running. Links to
 * the first, previous and next pages travel in an RFC 8288 {@code Link} header; a bad parameter is
 * an RFC 9457 problem naming it and what it may be.
 */
@RestController
class RunListController {

    static final int DEFAULT_SIZE = 50;
    static final int MAX_SIZE = 200;
    static final int MAX_PAGE = 1_000_000;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final String STATUSES =
            Arrays.stream(RunStatus.values()).map(Enum::name).collect(Collectors.joining(", "));

    private final RunSnapshots runs;

    RunListController(RunSnapshots runs) {
        this.runs = runs;
    }

    @GetMapping("/api/runs")
    ResponseEntity<List<RunSummary>> list(
            @RequestParam(required = false) String experimentId,
            @RequestParam(required = false) String variant,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String since,
            @RequestParam(required = false) String page,
            @RequestParam(required = false) String size,
            HttpServletRequest request) {
        RunFilter filter = new RunFilter(
                name("experimentId", experimentId, "an experiment id such as tiny-partitions"),
                name("variant", variant, "a variant name such as broken"),
                status(status),
                since(since));
        int pageNumber = integer("page", page, 0, 0, MAX_PAGE);
        int pageSize = integer("size", size, DEFAULT_SIZE, 1, MAX_SIZE);
        RunPage result = runs.page(filter, pageNumber, pageSize);
        return ResponseEntity.ok()
                .header(HttpHeaders.LINK, links(request, pageNumber, result.hasNext()))
                .body(result.runs());
    }

    /** RFC 8288 links to the first, previous and next pages, with the request's other parameters. */
    static String links(HttpServletRequest request, int page, boolean hasNext) {
        List<String> links = new ArrayList<>();
        links.add(link(request, 0, "first"));
        if (page > 0) {
            links.add(link(request, page - 1, "prev"));
        }
        if (hasNext) {
            links.add(link(request, page + 1, "next"));
        }
        return String.join(", ", links);
    }

    private static String link(HttpServletRequest request, int page, String rel) {
        String uri = UriComponentsBuilder.fromPath(request.getRequestURI())
                .query(request.getQueryString())
                .replaceQueryParam("page", page)
                .build(true)
                .toUriString();
        return "<" + uri + ">; rel=\"" + rel + "\"";
    }

    private static String name(String field, String value, String allowed) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!NAME.matcher(value).matches()) {
            throw RunProblems.invalid(
                    field,
                    field + " must be " + allowed + " (letters, digits, '.', '_', '-'; at most 100), got '"
                            + abbreviate(value) + "'",
                    allowed);
        }
        return value;
    }

    private static RunStatus status(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return RunStatus.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw RunProblems.invalid(
                    "status",
                    "status must be one of " + STATUSES + ", got '" + abbreviate(value) + "'",
                    "one of " + STATUSES);
        }
    }

    private static Instant since(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            // An unencoded '+' of an offset arrives as a space.
            return OffsetDateTime.parse(value.replace(' ', '+')).toInstant();
        } catch (DateTimeParseException e) {
            String allowed = "an ISO-8601 date-time with offset such as 2025-06-01T08:00:00Z, or a date such as"
                    + " 2025-06-01 (midnight UTC)";
            throw RunProblems.invalid(
                    "since", "since must be " + allowed + ", got '" + abbreviate(value) + "'", allowed);
        }
    }

    private static int integer(String field, String value, int fallback, int min, int max) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        String allowed = "an integer from " + min + " to " + max;
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw RunProblems.invalid(field, field + " must be " + allowed + ", got '" + abbreviate(value) + "'", allowed);
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "…";
    }
}
