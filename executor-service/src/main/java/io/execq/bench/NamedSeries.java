package io.execq.bench;

/** The name and description every {@link Series} carries; subclasses add what a sample does. */
abstract class NamedSeries implements Series {

    private final String name;
    private final String description;

    NamedSeries(String name, String description) {
        this.name = name;
        this.description = description;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }
}
