package io.execq.executor.sandbox.docker;

import java.util.Objects;

/**
 * A seccomp profile in Docker's JSON format, with the name results report it by ({@code seccompProfile}).
 * Docker applies it through the security option {@code seccomp=<json>}: the API takes the profile's content, as
 * the CLI sends it after reading {@code --security-opt seccomp=FILE}.
 *
 * @param name {@value SeccompProfiles#EXECQ_DEFAULT} for execq's own profile, {@code file:<name>@sha256:<12 hex>}
 *     for an operator's file
 * @param json the profile, compact JSON
 * @param blocksUserNamespaces whether the profile is known to refuse creating user namespaces (execq's own is;
 *     nothing is claimed for an operator's file)
 */
public record SeccompProfile(String name, String json, boolean blocksUserNamespaces) {

    public SeccompProfile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(json, "json");
    }

    /** The container security option that applies this profile. */
    public String securityOpt() {
        return "seccomp=" + json;
    }

    @Override
    public String toString() {
        return name; // the JSON is ~10 kB; logs and config dumps need only the name
    }
}
