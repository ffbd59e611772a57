package studio.reyna.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Opens {@code --count} WebSockets to a running studio, each authenticated and subscribed, and
 * holds them idle (answering the server's pings) until {@code --stop-file} appears or
 * {@code --hold-seconds} have passed. One generator process is limited by its own file limit, so
 * bin/bench starts several, each with its own source address ({@code --bind 127.0.0.2}, …).
 *
 * <p>Prints {@code ESTABLISHED held=… failed=…} once every attempt has finished, then
 * {@code END held=…} (sockets still open when it stops) — bin/bench reads both lines.
 */
public final class HoldConnections {
    private HoldConnections() {
    }

    public static void main(String[] argv) throws Exception {
        var args = new Args(argv);
        var api = new StudioApi(args.text("url", "http://127.0.0.1:8080"));
        URI uri = api.webSocketUri();
        String token = args.text("token", "");
        if (token.isEmpty()) {
            token = api.register("hold-" + System.nanoTime() + "@bench.example.org");
        }
        int count = args.integer("count", 1_000);
        List<String> binds = args.list("bind", "127.0.0.2");
        int parallel = args.integer("parallel", 32);
        int timeoutMillis = args.integer("timeout-ms", 30_000);
        long connectDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(args.integer("connect-seconds", 600));
        long holdSeconds = args.integer("hold-seconds", 600);
        Path stopFile = Path.of(args.text("stop-file", "/nonexistent/stop"));
        String name = args.text("name", "gen");

        var open = new ConcurrentLinkedQueue<WebSocketConnection>();
        var alive = new AtomicInteger();
        var attempted = new AtomicInteger();
        var connectFailures = new Failures();
        var dropped = new Failures();
        var textsWhileIdle = new LongAdder();
        var slots = new Semaphore(parallel);
        long started = System.nanoTime();
        long lastReport = started;

        for (int i = 0; i < count && System.nanoTime() < connectDeadline; i++) {
            boolean slot = false;
            while (!slot && System.nanoTime() < connectDeadline) {
                slot = slots.tryAcquire(1, TimeUnit.SECONDS);
            }
            if (!slot) {
                break;
            }
            String bind = binds.get(i % binds.size());
            attempted.incrementAndGet();
            String t = token;
            Thread.ofVirtual().name("hold-" + i).start(() -> hold(uri, bind, t, timeoutMillis, slots, open, alive,
                    connectFailures, dropped, textsWhileIdle));
            if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                lastReport = System.nanoTime();
                System.out.printf("%s progress attempted=%d held=%d failed=%d%n", name, attempted.get(), alive.get(),
                        connectFailures.total());
            }
        }
        // Every attempt has ended once all the permits are back.
        if (!slots.tryAcquire(parallel, timeoutMillis + 5_000L, TimeUnit.MILLISECONDS)) {
            System.out.println(name + " warning: some connection attempts had not finished");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("%s ESTABLISHED held=%d failed=%d attempted=%d seconds=%.1f rate=%.0f/s%n", name, alive.get(),
                connectFailures.total(), attempted.get(), seconds, alive.get() / seconds);
        if (connectFailures.total() > 0) {
            System.out.println(name + " connection failures:\n" + connectFailures.summary());
        }
        System.out.flush();

        long holdUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(holdSeconds);
        long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < holdUntil && !Files.exists(stopFile)) {
            Thread.sleep(200);
            if (System.nanoTime() > nextReport) {
                nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                System.out.printf("%s holding held=%d dropped=%d%n", name, alive.get(), dropped.total());
                System.out.flush();
            }
        }
        System.out.printf("%s END held=%d dropped=%d texts-while-idle=%d%n", name, alive.get(), dropped.total(),
                textsWhileIdle.sum());
        if (dropped.total() > 0) {
            System.out.println(name + " dropped while held:\n" + dropped.summary());
        }
        System.out.flush();
        open.forEach(WebSocketConnection::close);
        System.exit(0);
    }

    private static void hold(URI uri, String bind, String token, int timeoutMillis, Semaphore slots,
                             Queue<WebSocketConnection> open, AtomicInteger alive, Failures connectFailures,
                             Failures dropped, LongAdder texts) {
        WebSocketConnection ws;
        try {
            ws = Subscriber.open(uri, bind, token, timeoutMillis);
            open.add(ws);
            alive.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            connectFailures.add(e);
            return;
        } finally {
            // Counted before the slot is given back: once every slot is back, every attempt is counted.
            slots.release();
        }
        try {
            // The server pings every 20 s; three minutes of silence means it is gone.
            ws.readTimeout(180_000);
            while (true) {
                String text = ws.receive();
                if (text == null) {
                    dropped.add("closed by the server " + ws.closeCode() + " " + ws.closeReason());
                    break;
                }
                texts.increment();
            }
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof java.net.SocketException && "Socket closed".equals(e.getMessage()))) {
                dropped.add(e);
            }
        } finally {
            alive.decrementAndGet();
            ws.close();
        }
    }
}
