package studio.reyna.bench;

/**
 * Registers one account on a running studio and prints its access token, for bin/bench to hand
 * to several generator processes (so all their sockets belong to one user).
 */
public final class Register {
    private Register() {
    }

    public static void main(String[] argv) throws Exception {
        var args = new Args(argv);
        var api = new StudioApi(args.text("url", "http://127.0.0.1:8080"));
        System.out.println(api.register(args.text("email", "bench-" + System.currentTimeMillis() + "@bench.example.org")));
        System.exit(0);
    }
}
