package io.execq.executor;

import io.execq.executor.config.NetworkAllowance;
import io.execq.executor.control.Cancellations;
import io.execq.executor.control.ControlReader;
import io.execq.executor.http.HealthServer;
import io.execq.executor.output.OutputPublisher;
import io.execq.executor.kafka.GroupLag;
import io.execq.executor.pipeline.ConsumerLoop;
import io.execq.executor.pipeline.HostExecLimits;
import io.execq.executor.pipeline.ImagePolicy;
import io.execq.executor.pipeline.LimitPolicy;
import io.execq.executor.pipeline.PipelineMetrics;
import io.execq.executor.pipeline.RequestValidator;
import io.execq.executor.pipeline.ResultFactory;
import io.execq.executor.pipeline.ResultPublisher;
import io.execq.executor.pipeline.RunTask;
import io.execq.executor.pipeline.Scheduler;
import io.execq.schema.Isolation;
import io.execq.schema.serde.ExecutionResultSerializer;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetrics;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One executor of the pool, wired: Kafka (an embedded broker when configured so), the sandboxes, the pipeline
 * stages, the consumer loop on its own thread, and the health/metrics endpoint. {@link #start} returns once the loop
 * runs; {@link #close} shuts down gracefully (see {@link ConsumerLoop#shutdown()}).
 */
public final class ExecutorInstance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorInstance.class);
    /** How long start-up waits for the control topic's cancellations before the loop fetches requests. */
    private static final Duration CONTROL_CATCH_UP = Duration.ofSeconds(15);

    private final ExecutorConfig config;
    private final KafkaBootstrap kafka;
    private final SandboxStack sandboxes;
    private final KafkaGroupMembership membership;
    private final ExecutorService workers;
    private final ConsumerLoop loop;
    private final Thread loopThread;
    private final HealthServer http;
    private final GroupLag groupLag;
    private final ControlReader control;
    private final OutputPublisher output;

    private ExecutorInstance(ExecutorConfig config, KafkaBootstrap kafka, SandboxStack sandboxes,
                             KafkaGroupMembership membership) {
        this.config = config;
        this.kafka = kafka;
        this.sandboxes = sandboxes;
        this.membership = membership;
        Clock clock = Clock.systemUTC();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PipelineMetrics metrics = new PipelineMetrics(registry);
        // Heap, GC and threads, so that sizing (-Xmx, see the README) can be checked on a running executor.
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
        registry.gauge("execq.docker.healthy", sandboxes.health(), h -> h.available() ? 1 : 0);
        sandboxes.bindTo(registry);

        BulkheadRegistry bulkheads = BulkheadRegistry.of(BulkheadConfig.custom()
                .maxConcurrentCalls(config.get(ExecutorConfig.CONCURRENCY)).maxWaitDuration(Duration.ZERO).build());
        RateLimiterRegistry rateLimiters = RateLimiterRegistry.of(rateLimiterConfig(config.get(ExecutorConfig.RATE)));
        Bulkhead bulkhead = bulkheads.bulkhead("runs");
        RateLimiter rateLimiter = rateLimiters.rateLimiter("runs");
        TaggedBulkheadMetrics.ofBulkheadRegistry(bulkheads).bindTo(registry);
        TaggedRateLimiterMetrics.ofRateLimiterRegistry(rateLimiters).bindTo(registry);

        String executorId = config.executorId();
        ResultFactory results = new ResultFactory(executorId, clock);
        RequestValidator validator = new RequestValidator(
                new ImagePolicy(config.get(ExecutorConfig.DEFAULT_IMAGE), config.imageAliases(),
                        config.allowedImages()),
                new LimitPolicy(config.defaultLimits(), config.maxLimits()),
                config.get(ExecutorConfig.MAX_REQUEST_SIZE), executorId, HostExecLimits.probe(),
                config.workspacePolicy());
        if (config.get(ExecutorConfig.ALLOW_NETWORK) == NetworkAllowance.BRIDGE) {
            validator = validator.allowingBridgeNetwork();
        }
        this.workers = Executors.newCachedThreadPool(new NamedThreads("execq-run"));
        Cancellations cancellations = new Cancellations(config.get(ExecutorConfig.CANCEL_WINDOW),
                Cancellations.DEFAULT_MAX_ENTRIES, clock, metrics::cancellation);
        this.control = new ControlReader(
                new KafkaConsumer<>(KafkaClients.controlConsumer(config, kafka.bootstrapServers())),
                config.get(ExecutorConfig.CONTROL_TOPIC), cancellations, clock);
        this.output = new OutputPublisher(
                new KafkaProducer<>(KafkaClients.outputProducer(config, kafka.bootstrapServers())),
                config.get(ExecutorConfig.OUTPUT_TOPIC), config.streamBounds(), clock).bindTo(registry);
        Scheduler scheduler = new Scheduler(validator, results, sandboxes.router()::route, bulkhead, rateLimiter,
                new RunTask(sandboxes.router()::route, results, config.get(ExecutorConfig.INFRA_RETRIES),
                        config.get(ExecutorConfig.RETRY_BACKOFF), metrics, clock, cancellations, output),
                workers, clock, metrics, config.schedulingPolicy(), cancellations);
        ResultPublisher publisher = new ResultPublisher(
                new KafkaProducer<>(KafkaClients.transactionalProducer(config, kafka.bootstrapServers())),
                new ExecutionResultSerializer(), config.get(ExecutorConfig.RESULTS_TOPIC),
                config.get(ExecutorConfig.DEAD_LETTER_TOPIC), executorId, clock, metrics);
        this.loop = new ConsumerLoop(
                new KafkaConsumer<>(KafkaClients.requestConsumer(config, kafka.bootstrapServers())),
                config.get(ExecutorConfig.REQUESTS_TOPIC), scheduler, publisher, metrics,
                config.get(ExecutorConfig.SHUTDOWN_GRACE), clock);
        this.loopThread = new Thread(loop, "execq-consumer-loop");
        this.groupLag = new GroupLag(Admin.create(KafkaClients.admin(config, kafka.bootstrapServers())),
                config.get(ExecutorConfig.GROUP_ID), config.get(ExecutorConfig.REQUESTS_TOPIC), registry);
        Gauge.builder("execq.ready", this, instance -> instance.notReadyReasons().isEmpty() ? 1 : 0)
                .description("1 while /health/ready answers 200").strongReference(true).register(registry);
        this.http = new HealthServer(config.get(ExecutorConfig.HTTP_HOST), config.get(ExecutorConfig.HTTP_PORT),
                loop::running, this::notReadyReasons, registry::scrape);
    }

    /** Connects (or starts the embedded broker), creates missing topics, starts the sandboxes and the loop. */
    public static ExecutorInstance start(ExecutorConfig config) {
        KafkaBootstrap kafka = KafkaBootstrap.connect(config);
        KafkaGroupMembership membership = null;
        SandboxStack sandboxes = null;
        try {
            kafka.ensureTopics(config);
            membership = KafkaGroupMembership.connect(config, kafka.bootstrapServers());
            sandboxes = new SandboxStack(config, Clock.systemUTC(), membership.scope(), Optional.of(membership));
            ExecutorInstance instance = new ExecutorInstance(config, kafka, sandboxes, membership);
            instance.control.start(CONTROL_CATCH_UP);
            instance.loopThread.start();
            instance.groupLag.start();
            LOG.info("Executor {} consuming {} from {} (concurrency {}, {}, rate {}/s, fallback {}); health on "
                            + "http://{}:{}/health/ready", config.executorId(),
                    config.get(ExecutorConfig.REQUESTS_TOPIC), kafka.bootstrapServers(),
                    config.get(ExecutorConfig.CONCURRENCY), config.schedulingPolicy(), config.get(ExecutorConfig.RATE),
                    config.get(ExecutorConfig.FALLBACK), config.get(ExecutorConfig.HTTP_HOST).getHostAddress(),
                    instance.http.port());
            return instance;
        } catch (RuntimeException e) {
            if (sandboxes != null) {
                sandboxes.close();
            }
            if (membership != null) {
                membership.close();
            }
            kafka.close();
            throw e;
        }
    }

    public String executorId() {
        return config.executorId();
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Runs in flight now (as last observed by the consumer loop). */
    public int inFlight() {
        return loop.inFlight();
    }

    public int httpPort() {
        return http.port();
    }

    /** Empty when ready; otherwise why not, one reason per entry. */
    public List<String> notReadyReasons() {
        List<String> reasons = new ArrayList<>();
        if (!loop.running()) {
            reasons.add("consumer loop stopped" + (loop.failure() == null ? "" : ": " + loop.failure()));
        } else if (!loop.joined()) {
            reasons.add("not yet a member of consumer group " + config.get(ExecutorConfig.GROUP_ID));
        }
        if (!sandboxes.router().canRun(Isolation.PREFER_CONTAINER)) {
            reasons.add("no allowed sandbox available: docker " + sandboxes.health().state() + ", fallback "
                    + config.get(ExecutorConfig.FALLBACK).name().toLowerCase());
        }
        return reasons;
    }

    /** Why the consumer loop stopped on its own (fenced, unauthorised, ...); null while running or after close. */
    public Throwable failure() {
        return loop.failure();
    }

    /** Blocks until the consumer loop ends (after {@link #close} or a fatal error). */
    public void awaitStopped() throws InterruptedException {
        loop.awaitStopped();
    }

    @Override
    public void close() {
        loop.shutdown();
        try {
            loop.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        control.close();
        output.close();
        groupLag.close();
        http.close();
        sandboxes.close();
        membership.close();
        kafka.close();
        LOG.info("Executor {} stopped", config.executorId());
    }

    private static RateLimiterConfig rateLimiterConfig(double perSecond) {
        // Below one run per second the period stretches instead of the limit shrinking below one.
        Duration period = perSecond >= 1 ? Duration.ofSeconds(1) : Duration.ofMillis(Math.round(1000 / perSecond));
        int limit = perSecond >= 1 ? (int) Math.round(perSecond) : 1;
        return RateLimiterConfig.custom().limitRefreshPeriod(period).limitForPeriod(limit)
                .timeoutDuration(Duration.ZERO).build();
    }

    private static final class NamedThreads implements java.util.concurrent.ThreadFactory {
        private final String prefix;
        private final AtomicInteger count = new AtomicInteger();

        NamedThreads(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread thread = new Thread(r, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
