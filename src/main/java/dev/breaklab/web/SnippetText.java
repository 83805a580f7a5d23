package dev.breaklab.web;

import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.KnobValues;
import dev.breaklab.catalog.Snippets;
import dev.breaklab.catalog.Snippets.Language;
import dev.breaklab.catalog.Variant;
import dev.breaklab.engine.RunProblems;

/** A snippet for the API, or the problem that names what was asked for and is not there. */
final class SnippetText {

    private SnippetText() {}

    static String of(ExperimentDefinition d, Variant variant, KnobValues knobs, String lang) {
        Language language = Language.parse(lang)
                .orElseThrow(() -> RunProblems.invalid("lang", "unknown snippet language '" + lang + "'", "sql, java"));
        return Snippets.of(d, variant, knobs, language)
                .orElseThrow(() ->
                        RunProblems.notFound("lang", lang, "java: " + d.code().noSql()));
    }
}
