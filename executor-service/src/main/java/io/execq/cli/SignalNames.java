package io.execq.cli;

import java.util.List;

/** Linux's names of the standard signals (x86-64, arm64 and most architectures), for the CLI's result lines. */
final class SignalNames {

    private static final List<String> STANDARD = List.of("", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP",
            "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
            "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
            "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS");

    private SignalNames() {
    }

    /** {@code SIGSEGV} for 11; {@code SIGRTMIN+n} for real-time signals; {@code signal n} otherwise. */
    static String name(int signal) {
        if (signal > 0 && signal < STANDARD.size()) {
            return STANDARD.get(signal);
        }
        if (signal >= 34 && signal <= 64) {
            return signal == 34 ? "SIGRTMIN" : "SIGRTMIN+" + (signal - 34);
        }
        return "signal " + signal;
    }
}
