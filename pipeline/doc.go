// Package pipeline is newswire's NATS plumbing: the embedded server, the
// streams, consumers and KV buckets every part shares, the raw-article
// publisher the poller uses, and the stage runner that gives every stage the
// same ack rule. The stages themselves live in pipeline/dedupe and
// pipeline/tag.
//
// Data flow (names in names.go):
//
//	worker ──publish──► NEWS_RAW     news.raw.<feed>
//	                         │ durable "dedupe"  (Runner + dedupe.Stage: judge, tag, publish)
//	                         ▼
//	                    NEWS_TAGGED  news.tagged.<feed>, news.topic.<topic>
//	                         │ ordered consumers, headers only: every story
//	                         ▼ stage replica's memory (dedupe.Window)
//	failures ─────────► NEWS_DEAD    news.dead.<stage>
//
// The ack rule (Runner): a handler publishes its outputs and waits for the
// broker's acknowledgement of each; only when it returns nil is the input
// acked. Outputs carry Nats-Msg-Id derived from the article id, so an input
// redelivered after a crash republishes into the stream's duplicate window and
// is dropped there. A handler error marked Permanent (bad JSON) sends the input
// to news.dead.<stage> at once. Broker errors (Classify: out of storage,
// unavailable, timeout) are not the article's fault: the input is retried
// with a growing delay (at most 15 s) for as long as it takes, and Health
// reports the condition to /readyz and the metrics. Other errors and panics
// are retried and dead-lettered after RunnerOptions.MaxDeliver deliveries;
// the consumers' own MaxDeliver is unlimited so that the server never gives
// up on a message the Runner still holds.
//
// Every request to the broker has its own deadline (AttemptTimeout, via
// Retry and Publish) and is retried with the same Nats-Msg-Id, so a broker
// restart or a leader election costs a retry, not the message.
//
// pipeline imports feeds and nothing else of ours.
package pipeline
