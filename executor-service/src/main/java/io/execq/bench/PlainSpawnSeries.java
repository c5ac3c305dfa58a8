package io.execq.bench;

import java.util.List;

/** The floor of any host execution: {@link ProcessBuilder} spawn and wait, no wrapper, no workspace. */
final class PlainSpawnSeries extends NamedSeries {

    private final List<String> argv;

    PlainSpawnSeries(List<String> argv) {
        super("raw-spawn", "ProcessBuilder spawn + wait of the command, output read, no hardening");
        this.argv = List.copyOf(argv);
    }

    @Override
    public void sample() throws Exception {
        Spawn.run(argv);
    }
}
