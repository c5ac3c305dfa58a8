package io.execq.cli;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code execq} command line: one entry point, one subcommand per job. */
@Command(
        name = "execq",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Kafka-driven code execution in hardened sandboxes.",
        subcommands = {SubmitCommand.class, CancelCommand.class, ResultsCommand.class, ReplayCommand.class, VerifyCommand.class,
                BrokerCommand.class, DemoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class ExecqCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        SpawnMechanism.preferVfork();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests. Usage errors exit with status 2. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new ExecqCommand());
        cli.addSubcommand("serve", ServeCommand.spec());
        return cli.setCaseInsensitiveEnumValuesAllowed(true).setUsageHelpAutoWidth(true)
                .setParameterExceptionHandler(ExecqCommand::usageError)
                .setExecutionExceptionHandler(ExecqCommand::executionError);
    }

    /**
     * Kafka refused this client (failed authentication, or a missing ACL): one line that says so and where to look,
     * not a stack trace; exit status 1. Any other failure keeps picocli's default (stack trace, exit status 1).
     */
    static int executionError(Exception e, CommandLine failed, CommandLine.ParseResult parsed) throws Exception {
        if (!refusedByKafka(e)) {
            throw e;
        }
        failed.getErr().println(failed.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        failed.getErr().println("Kafka refused this client: check the principal in --kafka-config and its ACLs "
                + "(docs/security-kafka.md).");
        failed.getErr().flush();
        return 1;
    }

    private static boolean refusedByKafka(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AuthorizationException || t instanceof AuthenticationException) {
                return true;
            }
        }
        return false;
    }

    /** A usage error: the message and a pointer to --help, not the whole usage text; exit status 2. */
    static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine failed = e.getCommandLine();
        failed.getErr().println(e.getMessage());
        failed.getErr().println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for usage.");
        failed.getErr().flush();
        return 2;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command");
    }
}
