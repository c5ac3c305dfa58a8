package io.execq.executor.sandbox.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * The seccomp profiles a Docker run can get: execq's own ({@link #execqDefault}) or an operator's file
 * ({@link #fromFile}, option {@code --seccomp-profile}).
 *
 * <p>execq's own profile is Docker's default profile of the engine this project runs on (the resource
 * {@value #DOCKER_DEFAULT_RESOURCE}: {@code profiles/seccomp/default.json} of Debian's
 * {@code golang-github-docker-docker-dev 20.10.24+dfsg1-1+deb12u1}, the source of the packaged dockerd; it equals
 * moby v20.10.24's file but for Debian's ENOSYS rule for {@code clone3} on MIPS), minus, each for a reason given
 * in {@code docs/security.md}:
 * <ul>
 *   <li>io_uring ({@code io_uring_setup}, {@code io_uring_enter}, {@code io_uring_register}): a large kernel
 *       attack surface whose operations bypass syscall filtering (Docker removed it in 25.0, moby#46762);</li>
 *   <li>{@code socket()} of {@code AF_VSOCK} (40, host communication, moby#44562) and {@code AF_ALG} (38, kernel
 *       crypto API), checked on the low 32 bits the kernel reads, and {@code socketcall()}, which would carry them
 *       past any check (see {@link SeccompProfileBuilder#allowSocketFamiliesExcept});</li>
 *   <li>the 32-bit system call ABIs (i386 and x32 beside x86-64, arm beside aarch64): a call through them kills
 *       the process, as libseccomp allows {@code socketcall(SYS_SOCKET)} there for any {@code socket} rule
 *       ({@link SeccompProfileBuilder#nativeArchitecturesOnly});</li>
 *   <li>the keyring calls ({@code add_key}, {@code request_key}, {@code keyctl}), {@code userfaultfd},
 *       {@code perf_event_open}, {@code bpf}, {@code unshare}, everywhere (Docker's profile grants some of them
 *       with capabilities, which runs never have; this profile holds whatever the capabilities);</li>
 *   <li>new namespaces through {@code clone} (its flag check no longer lifted by {@code CAP_SYS_ADMIN}) and
 *       {@code clone3}, which gets ENOSYS so that libc falls back to {@code clone} (whose flags a filter can read).</li>
 * </ul>
 */
public final class SeccompProfiles {

    /** The name results carry for execq's own profile. */
    public static final String EXECQ_DEFAULT = "execq-default";
    static final String DOCKER_DEFAULT_RESOURCE = "seccomp/docker-default-20.10.24.json";
    static final int AF_ALG = 38;
    static final int AF_VSOCK = 40;
    /** Syscalls execq's profile refuses however the container is configured. */
    static final Set<String> DENIED = Set.of("io_uring_setup", "io_uring_enter", "io_uring_register", "add_key",
            "request_key", "keyctl", "userfaultfd", "perf_event_open", "bpf", "unshare");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SeccompProfile EXECQ = new SeccompProfile(EXECQ_DEFAULT,
            derive(dockerDefault()), true);
    private static final SeccompProfile EXECQ_GVISOR = new SeccompProfile(EXECQ_DEFAULT,
            SeccompProfileBuilder.from(EXECQ.json()).allow("clone3").toJson(), true);

    private SeccompProfiles() {
    }

    /** execq's own profile: Docker's default minus the calls listed in the class comment. */
    public static SeccompProfile execqDefault() {
        return EXECQ;
    }

    /**
     * {@code profile} as it must be given to gVisor ({@code runsc --oci-seccomp}), which applies the filter inside its
     * own kernel and ignores a rule's {@code errnoRet}: execq's profile there lets {@code clone3} through to gVisor,
     * which does not implement it and answers ENOSYS itself, where the filter's rule would answer EPERM and glibc
     * (which falls back to {@code clone} on ENOSYS only) could start no thread. An operator's profile is unchanged.
     */
    public static SeccompProfile forGvisor(SeccompProfile profile) {
        return profile == EXECQ ? EXECQ_GVISOR : profile;
    }

    /** Docker's default profile as shipped with dockerd 20.10.24 (the base of {@link #execqDefault}). */
    static String dockerDefault() {
        try (InputStream in = SeccompProfiles.class.getResourceAsStream(DOCKER_DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DOCKER_DEFAULT_RESOURCE + " missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String derive(String dockerDefault) {
        return SeccompProfileBuilder.from(dockerDefault)
                .deny(DENIED.toArray(String[]::new))
                .withoutCapabilityGrants("clone", "clone3")
                .allowSocketFamiliesExcept(AF_ALG, AF_VSOCK)
                .nativeArchitecturesOnly()
                .toJson();
    }

    /**
     * An operator's profile file, checked now so that a broken one stops the executor at start-up rather than
     * every run at container creation; named {@code file:<file name>@sha256:<first 12 hex of its content's hash>}.
     *
     * @throws IllegalArgumentException saying what is wrong with the file
     */
    public static SeccompProfile fromFile(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String json = compact(validate(content));
        return new SeccompProfile("file:" + file.getFileName() + "@sha256:" + sha256(content).substring(0, 12),
                json, false);
    }

    /** The profile's JSON tree, when it has the shape Docker 20.10 accepts; else a message naming the fault. */
    static JsonNode validate(byte[] content) {
        JsonNode profile;
        try {
            profile = JSON.readTree(content);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + firstLine(e.getMessage()), e);
        }
        if (profile == null || !profile.isObject()) {
            throw new IllegalArgumentException("not a seccomp profile: expected a JSON object");
        }
        if (!profile.path("defaultAction").isTextual()) {
            throw new IllegalArgumentException("not a seccomp profile: \"defaultAction\" (e.g. \"SCMP_ACT_ERRNO\") "
                    + "is missing");
        }
        JsonNode syscalls = profile.path("syscalls");
        if (!syscalls.isMissingNode() && !syscalls.isNull() && !syscalls.isArray()) {
            throw new IllegalArgumentException("\"syscalls\" must be an array of rules");
        }
        for (int i = 0; i < syscalls.size(); i++) {
            JsonNode rule = syscalls.get(i);
            boolean named = rule.path("names").isArray() || rule.path("name").isTextual();
            if (!named || !rule.path("action").isTextual()) {
                throw new IllegalArgumentException("syscalls[" + i + "] needs \"names\" (array) and \"action\"");
            }
        }
        return profile;
    }

    private static String compact(JsonNode profile) {
        try {
            return JSON.writeValueAsString(profile);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
