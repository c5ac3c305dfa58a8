package io.execq.executor.sandbox;

import java.util.Objects;

/** The router's answer for one request: a sandbox to run it in, or why none can run it right now. */
public sealed interface Route permits Route.Run, Route.Unavailable {

    /** Run the request in {@code sandbox}. */
    record Run(Sandbox sandbox) implements Route {
        public Run {
            Objects.requireNonNull(sandbox, "sandbox");
        }
    }

    /**
     * No allowed sandbox can run the request now. {@code waitable} is true when the situation may change
     * (Docker down: the pipeline pauses and waits) and false when it cannot on this executor (policy forbids
     * the only allowed sandbox: the request fails).
     */
    record Unavailable(String reason, boolean waitable) implements Route {
        public Unavailable {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
