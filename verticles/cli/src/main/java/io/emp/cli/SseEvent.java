package io.emp.cli;

/**
 * One Server-Sent Event: {@code id} (null when the frame had none), {@code event} type ({@code message}
 * when none was given) and {@code data}.
 */
record SseEvent(String id, String event, String data) {
}
