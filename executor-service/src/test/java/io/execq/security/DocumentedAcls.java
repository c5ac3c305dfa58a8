package io.execq.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The {@code kafka-acls.sh --add} commands of {@code docs/security-kafka.md} as {@link AclBinding}s, so that the
 * access-control test grants exactly what the documentation tells operators to grant. Understands the options the
 * page uses: {@code --allow-principal}, {@code --operation} (repeatable), {@code --topic}, {@code --group},
 * {@code --transactional-id}, {@code --cluster} and {@code --resource-pattern-type}; anything else fails.
 */
record DocumentedAcls(List<AclBinding> bindings) {

    static final Path PAGE = Path.of("../docs/security-kafka.md");

    static DocumentedAcls read() {
        try {
            return parse(Files.readString(PAGE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static DocumentedAcls parse(String markdown) {
        List<AclBinding> bindings = new ArrayList<>();
        for (String command : commands(markdown, "kafka-acls.sh")) {
            bindings.addAll(bindingsOf(command));
        }
        return new DocumentedAcls(List.copyOf(bindings));
    }

    /** The bindings of one principal ({@code "executor"}). */
    List<AclBinding> of(String user) {
        return bindings.stream().filter(b -> b.entry().principal().equals("User:" + user)).toList();
    }

    /**
     * The bindings of {@code user} given to {@code newUser}, with resource names replaced through {@code names}
     * (names not in the map stay): the same ACLs on another set of topics and groups.
     */
    List<AclBinding> of(String user, String newUser, Map<String, String> names) {
        UnaryOperator<String> rename = name -> names.getOrDefault(name, name);
        return of(user).stream().map(b -> new AclBinding(
                new ResourcePattern(b.pattern().resourceType(), rename.apply(b.pattern().name()),
                        b.pattern().patternType()),
                new AccessControlEntry("User:" + newUser, b.entry().host(), b.entry().operation(),
                        b.entry().permissionType()))).toList();
    }

    /** The command lines of {@code tool} (e.g. {@code kafka-acls.sh}) in {@code markdown}, continuations joined. */
    static List<String> commands(String markdown, String tool) {
        List<String> commands = new ArrayList<>();
        StringBuilder current = null;
        for (String line : markdown.split("\n")) {
            String trimmed = line.strip();
            if (current == null && trimmed.startsWith(tool + " ")) {
                current = new StringBuilder();
            }
            if (current == null) {
                continue;
            }
            boolean continued = trimmed.endsWith("\\");
            current.append(continued ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
            if (!continued) {
                commands.add(current.toString().strip());
                current = null;
            }
        }
        return commands;
    }

    private static List<AclBinding> bindingsOf(String command) {
        List<String> args = Arrays.asList(command.split("\\s+"));
        String principal = null;
        List<AclOperation> operations = new ArrayList<>();
        ResourceType type = null;
        String name = null;
        PatternType pattern = PatternType.LITERAL;
        boolean add = false;
        for (int i = 1; i < args.size(); i++) {
            String option = args.get(i);
            switch (option) {
                case "--bootstrap-server", "--command-config" -> i++;
                case "--add" -> add = true;
                case "--allow-principal" -> principal = args.get(++i);
                case "--operation" -> operations.add(AclOperation.fromString(args.get(++i)));
                case "--topic" -> {
                    type = ResourceType.TOPIC;
                    name = args.get(++i);
                }
                case "--group" -> {
                    type = ResourceType.GROUP;
                    name = args.get(++i);
                }
                case "--transactional-id" -> {
                    type = ResourceType.TRANSACTIONAL_ID;
                    name = args.get(++i);
                }
                case "--cluster" -> {
                    type = ResourceType.CLUSTER;
                    name = "kafka-cluster";
                }
                case "--resource-pattern-type" -> pattern = PatternType.fromString(args.get(++i).toUpperCase(Locale.ROOT));
                default -> throw new IllegalArgumentException("kafka-acls.sh option " + option + " is not understood "
                        + "by DocumentedAcls, in: " + command);
            }
        }
        if (!add || principal == null || type == null || operations.isEmpty()
                || operations.contains(AclOperation.UNKNOWN) || pattern == PatternType.UNKNOWN) {
            throw new IllegalArgumentException("Incomplete or unknown kafka-acls.sh command: " + command);
        }
        ResourcePattern resource = new ResourcePattern(type, name, pattern);
        String user = principal;
        return operations.stream().map(operation -> new AclBinding(resource,
                new AccessControlEntry(user, "*", operation, AclPermissionType.ALLOW))).toList();
    }
}
