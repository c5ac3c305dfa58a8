package io.execq.bench;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.Ulimit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code docker run} flags that ask the CLI for what a docker-java {@link HostConfig} says, so the CLI series
 * runs with the sandbox's hardening read from the same values ({@code HardenedHostConfig.hostConfig}), not a
 * second copy of them. A mount without a source becomes an anonymous volume, which {@code --rm} removes.
 */
final class DockerRunFlags {

    private static final String SECCOMP_JSON = "seccomp={";
    private static final Map<String, Path> PROFILE_FILES = new ConcurrentHashMap<>();

    private DockerRunFlags() {
    }

    static List<String> of(HostConfig host, String user, Map<String, String> labels) {
        List<String> flags = new ArrayList<>();
        add(flags, "--network", host.getNetworkMode());
        if (Boolean.TRUE.equals(host.getReadonlyRootfs())) {
            flags.add("--read-only");
        }
        if (host.getCapDrop() != null) {
            for (Capability cap : host.getCapDrop()) {
                add(flags, "--cap-drop", cap.name());
            }
        }
        if (host.getSecurityOpts() != null) {
            host.getSecurityOpts().forEach(opt -> add(flags, "--security-opt", cliSecurityOpt(opt)));
        }
        add(flags, "--runtime", host.getRuntime());
        add(flags, "--pids-limit", host.getPidsLimit());
        add(flags, "--memory", host.getMemory());
        add(flags, "--memory-swap", host.getMemorySwap());
        if (host.getNanoCPUs() != null) {
            add(flags, "--cpus", String.format(Locale.ROOT, "%.3f", host.getNanoCPUs() / 1e9));
        }
        add(flags, "--ipc", host.getIpcMode());
        if (host.getTmpFs() != null) {
            new TreeMap<>(host.getTmpFs()).forEach((path, options) -> add(flags, "--tmpfs", path + ":" + options));
        }
        if (host.getUlimits() != null) {
            for (Ulimit limit : host.getUlimits()) {
                add(flags, "--ulimit", limit.getName() + "=" + limit.getSoftLong() + ":" + limit.getHardLong());
            }
        }
        if (host.getLogConfig() != null && host.getLogConfig().getType() != null) {
            add(flags, "--log-driver", host.getLogConfig().getType().getType());
        }
        if (host.getMounts() != null) {
            host.getMounts().forEach(mount -> add(flags, "--mount", mount(mount)));
        }
        add(flags, "--user", user);
        new TreeMap<>(labels).forEach((k, v) -> add(flags, "--label", k + "=" + v));
        return List.copyOf(flags);
    }

    /** The CLI reads {@code seccomp=} from a file and sends its content; the API takes the content itself. */
    static String cliSecurityOpt(String opt) {
        if (!opt.startsWith(SECCOMP_JSON)) {
            return opt;
        }
        Path file = PROFILE_FILES.computeIfAbsent(opt.substring("seccomp=".length()), json -> {
            try {
                Path written = Files.createTempFile("execq-bench-seccomp-", ".json");
                written.toFile().deleteOnExit();
                return Files.writeString(written, json);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the seccomp profile for the docker CLI", e);
            }
        });
        return "seccomp=" + file;
    }

    private static String mount(Mount mount) {
        StringBuilder spec = new StringBuilder("type=").append(mount.getType().name().toLowerCase(Locale.ROOT));
        if (mount.getSource() != null) {
            spec.append(",src=").append(mount.getSource());
        }
        spec.append(",dst=").append(mount.getTarget());
        if (mount.getVolumeOptions() != null && Boolean.TRUE.equals(mount.getVolumeOptions().getNoCopy())) {
            spec.append(",volume-nocopy");
        }
        return spec.toString();
    }

    private static void add(List<String> flags, String flag, Object value) {
        if (value != null) {
            flags.add(flag);
            flags.add(value.toString());
        }
    }
}
