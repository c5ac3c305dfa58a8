package io.execq.bench;

import java.util.List;

/** The floor of any host execution: {@link ProcessBuilder} spawn and wait, no wrapper, no workspace. */
final class PlainSpawnSeries implements Series {

    private final List<String> argv;

    PlainSpawnSeries(List<String> argv) {
        this.argv = List.copyOf(argv);
    }

    @Override
    public String name() {
        return "raw-spawn";
    }

    @Override
    public String description() {
        return "ProcessBuilder spawn + wait of the command, output read, no hardening";
    }

    @Override
    public void sample() throws Exception {
        Spawn.run(argv);
    }
}
