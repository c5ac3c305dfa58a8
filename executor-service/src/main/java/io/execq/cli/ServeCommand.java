package io.execq.cli;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.executor.config.ConfigException;
import io.execq.executor.config.LogFormat;
import io.execq.executor.config.ConfigKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code execq serve}: one executor of the pool, in the foreground until SIGTERM. Its options are generated from
 * {@link ExecutorConfig#keys()}, so every option is defined (name, doc, default, check) in exactly one place.
 */
final class ServeCommand implements Callable<Integer> {

    private CommandSpec spec;

    static CommandSpec spec() {
        ServeCommand command = new ServeCommand();
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command);
        command.spec = spec;
        spec.name("serve").mixinStandardHelpOptions(true);
        spec.usageMessage().description(
                "Run an executor: consume execution requests, run each in a hardened sandbox, publish one result "
                        + "per request. Every option can also be set as EXECQ_<NAME> in the environment or as "
                        + "<name>=value in the --config file (flags win, then the environment, then the file).");
        for (ConfigKey<?> key : ExecutorConfig.keys()) {
            OptionSpec.Builder option = OptionSpec.builder(key.flag())
                    .paramLabel("<" + key.name().replaceAll(".*-", "") + ">")
                    .description(key.doc() + (key.defaultValue() == null ? "" : " Default: " + key.defaultValue() + ".")
                            + " Env: " + key.envName() + ".");
            if (key.multiValued()) {
                option.type(List.class).auxiliaryTypes(String.class);
            } else {
                option.type(String.class);
            }
            spec.addOption(option.build());
        }
        return spec;
    }

    @Override
    public Integer call() throws Exception {
        ExecutorConfig config;
        try {
            config = ExecutorConfig.from(flags(), System.getenv());
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (config.get(ExecutorConfig.LOG_FORMAT) == LogFormat.JSON) {
            ConsoleLog.json();
        }
        ExecutorInstance executor;
        try {
            executor = ExecutorInstance.start(config);
        } catch (ConfigException e) {
            // A setting only the environment can refute (e.g. a --docker-runtime dockerd does not know).
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Thread shutdown = new Thread(executor::close, "execq-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        spec.commandLine().getOut().printf("execq executor %s serving (Kafka %s, health http://127.0.0.1:%d/health/ready)%n",
                executor.executorId(), executor.bootstrapServers(), executor.httpPort());
        spec.commandLine().getOut().flush();
        executor.awaitStopped();
        Throwable failure = executor.failure();
        if (failure != null) {
            // Stopped on its own (fenced, not authorized, ...): release the sandboxes and the health port now.
            try {
                Runtime.getRuntime().removeShutdownHook(shutdown);
            } catch (IllegalStateException jvmShuttingDown) {
                // The hook is running or about to: it closes the executor.
            }
            executor.close();
            spec.commandLine().getErr().println("execq executor stopped: " + failure);
            spec.commandLine().getErr().flush();
            return 1;
        }
        return 0;
    }

    private Map<String, List<String>> flags() {
        Map<String, List<String>> flags = new LinkedHashMap<>();
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        for (OptionSpec option : spec.options()) {
            if (!parsed.hasMatchedOption(option) || !option.longestName().startsWith("--")
                    || option.usageHelp() || option.versionHelp()) {
                continue;
            }
            Object value = option.getValue();
            String name = option.longestName().substring(2);
            if (value instanceof List<?> list) {
                flags.put(name, list.stream().map(String::valueOf).toList());
            } else {
                flags.put(name, List.of(String.valueOf(value)));
            }
        }
        return flags;
    }
}
