package studio.reyna.gateway.processor;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import studio.reyna.core.problem.FieldError;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.gateway.http.Caller;
import studio.reyna.gateway.http.RequestBodies;
import studio.reyna.gateway.http.Responses;
import studio.reyna.processor.Processor;
import studio.reyna.processor.runtime.ProcessingInputs;
import studio.reyna.schema.FixedSchema;
import studio.reyna.state.processing.DeadLetters;
import studio.reyna.state.processing.ProcessorSettings;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * {@code /api/v1/processors}: the catalogue of built-in processors, each user's settings of each
 * (whether it runs for their blobs, and its configuration, checked against the processor's own
 * settings schema: 422 naming the field at fault), and the events of their blobs it gave up on.
 */
public final class ProcessorRoutes {
    private record Entry(Processor processor, FixedSchema settingsSchema) {
    }

    /** One processor as the catalogue lists it. */
    record CatalogueEntry(String name, String description, List<String> subjects, JsonNode settingsSchema,
                          JsonNode defaults) {
    }

    /** A user's settings of one processor, defaults filled in. */
    record SettingsView(String processor, boolean enabled, JsonNode config) {
    }

    private final Map<String, Entry> processors = new LinkedHashMap<>();
    private final ProcessorSettings settings;
    private final DeadLetters deadLetters;
    private final RequestBodies bodies;

    public ProcessorRoutes(List<Processor> processors, ProcessorSettings settings, DeadLetters deadLetters,
                           RequestBodies bodies) {
        for (var processor : processors) {
            this.processors.put(processor.name(), new Entry(processor, FixedSchema.of(processor.name() + " settings",
                    processor.settingsSchema())));
        }
        this.settings = settings;
        this.deadLetters = deadLetters;
        this.bodies = bodies;
    }

    public void routes(RoutesConfig routes) {
        routes.get("/api/v1/processors", this::catalogue);
        routes.get("/api/v1/processors/{name}/settings", this::mine);
        routes.put("/api/v1/processors/{name}/settings", this::change);
        routes.get("/api/v1/processors/{name}/dead-letters", this::deadLetters);
    }

    /** The events of the caller's blobs this processor gave up on, with the last error of each. */
    private void deadLetters(Context ctx) {
        var entry = entry(ctx);
        Responses.page(ctx, deadLetters.of(Caller.id(ctx), entry.processor().name(), Responses.pageRequest(ctx)));
    }

    private void catalogue(Context ctx) {
        ctx.json(Map.of("items", processors.values().stream().map(entry -> new CatalogueEntry(entry.processor().name(),
                entry.processor().description(), entry.processor().subjects(), entry.processor().settingsSchema(),
                entry.processor().defaultSettings())).toList()));
    }

    private void mine(Context ctx) {
        var entry = entry(ctx);
        var stored = settings.find(Caller.id(ctx), entry.processor().name());
        ctx.json(new SettingsView(entry.processor().name(), ProcessingInputs.enabled(stored),
                ProcessingInputs.withDefaults(entry.processor(), stored.map(ProcessorSettings.Stored::config).orElse(null))));
    }

    private void change(Context ctx) {
        var entry = entry(ctx);
        var body = bodies.read(ctx);
        JsonNode enabled = body.node("enabled");
        if (!enabled.isBoolean()) {
            throw ValidationException.of("/enabled", "enabled is required: true or false");
        }
        JsonNode config = body.has("config") ? body.node("config") : JsonNodeFactory.instance.objectNode();
        if (!config.isObject()) {
            throw ValidationException.of("/config", "config must be an object");
        }
        var violations = entry.settingsSchema().violations(config).stream()
                .map(v -> new FieldError("/config" + v.pointer(), v.message())).toList();
        if (!violations.isEmpty()) {
            throw new ValidationException("config does not match the settings schema of processor "
                    + entry.processor().name(), violations);
        }
        settings.put(Caller.id(ctx), entry.processor().name(), enabled.asBoolean(), config);
        ctx.json(new SettingsView(entry.processor().name(), enabled.asBoolean(),
                ProcessingInputs.withDefaults(entry.processor(), config)));
    }

    private Entry entry(Context ctx) {
        var entry = processors.get(ctx.pathParam("name"));
        if (entry == null) {
            throw new NotFoundException("there is no processor '" + ctx.pathParam("name") + "'; GET /api/v1/processors lists them");
        }
        return entry;
    }
}
