package studio.reyna.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import studio.reyna.core.json.Json;
import studio.reyna.core.problem.FieldError;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class MigrationTest {
    private static final JsonMapper JSON = Json.newMapper(1_000_000);

    private static JsonNode json(String text) {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static Migration migration(String operations) {
        var problems = new ArrayList<FieldError>();
        var parsed = Migration.parse(json(operations), problems);
        assertThat(problems).isEmpty();
        return parsed;
    }

    private static List<FieldError> problems(String operations) {
        var problems = new ArrayList<FieldError>();
        assertThat(Migration.parse(json(operations), problems)).isNull();
        return problems;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource(delimiter = '|', value = {
            "[{'op':'move','from':'/name','path':'/title'}]                | {'name':'A','n':1}        | {'n':1,'title':'A'}",
            "[{'op':'move','from':'/name','path':'/title'}]                | {'n':1}                   | {'n':1}",
            "[{'op':'copy','from':'/a/b','path':'/c'}]                     | {'a':{'b':[1]}}           | {'a':{'b':[1]},'c':[1]}",
            "[{'op':'copy','from':'/missing','path':'/c'}]                 | {'a':1}                   | {'a':1}",
            "[{'op':'remove','path':'/a'}]                                 | {'a':1,'b':2}             | {'b':2}",
            "[{'op':'remove','path':'/a'}]                                 | {'b':2}                   | {'b':2}",
            "[{'op':'remove','path':'/list/0'}]                            | {'list':[1,2]}            | {'list':[2]}",
            "[{'op':'add','path':'/a','value':{'x':1}}]                    | {'a':0}                   | {'a':{'x':1}}",
            "[{'op':'add','path':'/list/-','value':3}]                     | {'list':[1]}              | {'list':[1,3]}",
            "[{'op':'add','path':'/list/0','value':0}]                     | {'list':[1]}              | {'list':[0,1]}",
            "[{'op':'default','path':'/tags','value':[]}]                  | {'tags':['x']}            | {'tags':['x']}",
            "[{'op':'default','path':'/tags','value':[]}]                  | {}                        | {'tags':[]}",
            "[{'op':'default','path':'/n','value':0}]                      | {'n':null}                | {'n':null}",
            "[{'op':'wrap','path':'/tag'}]                                 | {'tag':'x'}               | {'tag':['x']}",
            "[{'op':'wrap','path':'/tag'}]                                 | {}                        | {}",
            "[{'op':'move','from':'/a','path':'/b'},{'op':'wrap','path':'/b'}] | {'a':1}               | {'b':[1]}",
            "[{'op':'move','from':'/a~1b','path':'/c~0d'}]                 | {'a/b':1}                 | {'c~d':1}",
            "[]                                                            | {'a':1}                   | {'a':1}",
    })
    void applies_each_operation_and_skips_absent_sources(String operations, String before, String after) throws Exception {
        var data = json(before);
        assertThat(migration(operations).apply(data)).isEqualTo(json(after));
        assertThat(data).as("the input stays as it was").isEqualTo(json(before));
    }

    @Test
    void adding_where_the_parent_is_missing_or_not_a_container_fails_naming_the_operation() {
        var nested = migration("[{'op':'remove','path':'/x'},{'op':'add','path':'/a/b','value':1}]");
        assertThatThrownBy(() -> nested.apply(json("{}")))
                .isInstanceOfSatisfying(Migration.Failure.class, e -> {
                    assertThat(e.pointer()).isEqualTo("/1");
                    assertThat(e.getMessage()).contains("'/a/b'", "parent does not exist");
                });
        assertThatThrownBy(() -> nested.apply(json("{'a':'text'}"))).isInstanceOf(Migration.Failure.class);
        assertThatThrownBy(() -> migration("[{'op':'add','path':'/l/5','value':1}]").apply(json("{'l':[]}")))
                .isInstanceOf(Migration.Failure.class).hasMessageContaining("no index 5");
    }

    @Test
    void refuses_malformed_operations_with_a_pointer_to_each_fault() {
        assertThat(problems("{}")).extracting(FieldError::pointer).containsExactly("/migration");
        assertThat(problems("[1, {'op':'replace','path':'/a'}]")).extracting(FieldError::pointer)
                .containsExactly("/migration/0", "/migration/1/op");
        assertThat(problems("[{'op':'move','path':'/a'}]")).extracting(FieldError::pointer).containsExactly("/migration/0/from");
        assertThat(problems("[{'op':'add','path':'/a'}]")).extracting(FieldError::pointer).containsExactly("/migration/0/value");
        assertThat(problems("[{'op':'remove','path':'a'}]")).extracting(FieldError::message)
                .singleElement().asString().contains("not a JSON Pointer");
        assertThat(problems("[{'op':'remove','path':''}]")).extracting(FieldError::message)
                .singleElement().asString().contains("inside the document");
        assertThat(problems("[{'op':'remove','path':'/a','from':'/b'}]")).extracting(FieldError::pointer)
                .containsExactly("/migration/0/from");
        assertThat(problems("[{'op':'move','from':'/a','path':'/a/b'}]")).extracting(FieldError::pointer)
                .containsExactly("/migration/0/path");
        assertThat(problems("[" + "{'op':'remove','path':'/a'},".repeat(Migration.MAX_OPERATIONS) + "{'op':'remove','path':'/a'}]"))
                .extracting(FieldError::pointer).containsExactly("/migration");
    }
}
