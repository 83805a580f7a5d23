package dev.breaklab.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breaklab.catalog.Knob.BooleanKnob;
import dev.breaklab.catalog.Knob.ChoiceKnob;
import dev.breaklab.catalog.Knob.DecimalKnob;
import dev.breaklab.catalog.Knob.IntegerKnob;
import java.util.List;
import org.junit.jupiter.api.Test;

class KnobTests {

    IntegerKnob partitions = IntegerKnob.of("p", 200, 1, 10_000, "partitions");

    @Test
    void integers_accept_whole_numbers_in_range() {
        assertThat(partitions.parse(1)).isEqualTo(1L);
        assertThat(partitions.parse(10_000L)).isEqualTo(10_000L);
        assertThat(partitions.parse(12.0)).isEqualTo(12L);
    }

    @Test
    void integers_reject_other_types_and_out_of_range_naming_the_range() {
        assertThatThrownBy(() -> partitions.parse(0))
                .hasMessageContaining("from 1 to 10000")
                .hasMessageContaining("got 0");
        assertThatThrownBy(() -> partitions.parse(10_001)).hasMessageContaining("got 10001");
        assertThatThrownBy(() -> partitions.parse(2.5)).isInstanceOf(InvalidKnobException.class);
        assertThatThrownBy(() -> partitions.parse("12")).hasMessageContaining("got \"12\"");
        assertThatThrownBy(() -> partitions.parse(null)).hasMessageContaining("got null");
    }

    @Test
    void decimals_booleans_and_choices() {
        DecimalKnob decimal = DecimalKnob.of("d", 1.0, 0.5, 2.0, "");
        assertThat(decimal.parse(1.5)).isEqualTo(1.5);
        assertThat(decimal.parse(2)).isEqualTo(2.0);
        assertThatThrownBy(() -> decimal.parse(Double.NaN)).isInstanceOf(InvalidKnobException.class);
        assertThatThrownBy(() -> decimal.parse(2.01)).hasMessageContaining("from 0.5 to 2.0");

        BooleanKnob bool = BooleanKnob.of("b", false);
        assertThat(bool.parse(true)).isEqualTo(true);
        assertThatThrownBy(() -> bool.parse("true")).hasMessageContaining("true or false");

        ChoiceKnob choice = ChoiceKnob.of("c", "a", List.of("a", "b"));
        assertThat(choice.parse("b")).isEqualTo("b");
        assertThatThrownBy(() -> choice.parse("z")).hasMessageContaining("one of a, b");
    }

    @Test
    void predictions_compare_numbers_as_numbers_and_choices_without_case() {
        assertThat(Question.matches("3", "3")).isTrue();
        assertThat(Question.matches(" 3 ", "3.0")).isTrue();
        assertThat(Question.matches("4", "3")).isFalse();
        assertThat(Question.matches("sortmergejoin", "SortMergeJoin")).isTrue();
        assertThat(Question.matches(null, "3")).isFalse();
    }
}
