package studio.reyna.processor;

import java.io.IOException;

/** A supplier that may fail with an {@link IOException}, such as opening a stored file. */
@FunctionalInterface
public interface IOSupplier<T> {
    T get() throws IOException;
}
