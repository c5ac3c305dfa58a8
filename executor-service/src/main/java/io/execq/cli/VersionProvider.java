package io.execq.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the version from the jar manifest (or "development" when run from classes). */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = ExecqCommand.class.getPackage().getImplementationVersion();
        return new String[] {"execq " + (version == null ? "development" : version)};
    }
}
