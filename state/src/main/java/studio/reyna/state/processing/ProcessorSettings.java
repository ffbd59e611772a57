package studio.reyna.state.processing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Each user's settings of each processor, as stored: whether it runs for their blobs and its
 * configuration. Checking a configuration against the processor's schema is the caller's part.
 * Processors ask for every event, so answers are remembered briefly on each node: a change takes
 * effect on the other nodes within {@link #REMEMBERED}.
 */
public final class ProcessorSettings {
    /** How long a node remembers a user's settings of a processor. */
    public static final Duration REMEMBERED = Duration.ofSeconds(5);

    /** A user's stored settings of one processor. */
    public record Stored(boolean enabled, JsonNode config) {
    }

    private record Key(UUID userId, String processor) {
    }

    private final Jdbi jdbi;
    private final ObjectMapper json;
    private final Cache<Key, Optional<Stored>> remembered = Caffeine.newBuilder()
            .expireAfterWrite(REMEMBERED).maximumSize(100_000).build();

    public ProcessorSettings(Jdbi jdbi, ObjectMapper json) {
        this.jdbi = jdbi;
        this.json = json;
    }

    /** The user's settings of the processor; empty when they never set any (the processor's defaults apply). */
    public Optional<Stored> find(UUID userId, String processor) {
        return remembered.get(new Key(userId, processor), key -> jdbi.withHandle(h -> h.createQuery(
                        "select enabled, config::text as config from processor_settings where user_id = :user and processor = :processor")
                .bind("user", userId).bind("processor", processor)
                .map((rs, ctx) -> new Stored(rs.getBoolean("enabled"), json.readTree(rs.getString("config"))))
                .findOne()));
    }

    /** Stores the user's settings of the processor, replacing what was there. */
    public Stored put(UUID userId, String processor, boolean enabled, JsonNode config) {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into processor_settings (user_id, processor, enabled, config)
                        values (:user, :processor, :enabled, cast(:config as jsonb))
                        on conflict (user_id, processor) do update
                        set enabled = excluded.enabled, config = excluded.config, updated_at = now()""")
                .bind("user", userId).bind("processor", processor).bind("enabled", enabled)
                .bind("config", json.writeValueAsString(config)).execute());
        var stored = new Stored(enabled, config);
        remembered.put(new Key(userId, processor), Optional.of(stored));
        return stored;
    }
}
