package io.emp.worker.connector.comfyui;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Fetches a finished prompt's output files ({@code GET /view}) into the job's result. Every list of
 * {@code {filename, subfolder, type}} objects in the history's {@code outputs} counts (images, gifs,
 * videos, audio, …). Files are taken in order; while the running total stays within
 * {@code EMP_INLINE_OUTPUT_BYTES} a file is returned inline as base64, otherwise it is streamed to
 * {@code EMP_OUTPUT_DIR/<job id>/<name>} (a temporary file renamed atomically into place) and returned by path.
 * All file I/O goes through {@code vertx.fileSystem()}; nothing blocks the event loop.
 */
final class OutputFiles {
  private static final Map<String, String> MIME = Map.ofEntries(
    Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
    Map.entry("webp", "image/webp"), Map.entry("gif", "image/gif"), Map.entry("bmp", "image/bmp"),
    Map.entry("tif", "image/tiff"), Map.entry("tiff", "image/tiff"), Map.entry("mp4", "video/mp4"),
    Map.entry("webm", "video/webm"), Map.entry("mov", "video/quicktime"), Map.entry("mkv", "video/x-matroska"),
    Map.entry("wav", "audio/wav"), Map.entry("mp3", "audio/mpeg"), Map.entry("flac", "audio/flac"),
    Map.entry("ogg", "audio/ogg"), Map.entry("opus", "audio/opus"), Map.entry("glb", "model/gltf-binary"),
    Map.entry("json", "application/json"), Map.entry("txt", "text/plain"));

  /** One output file of a node, as ComfyUI lists it. */
  record OutputFile(String node, String filename, String subfolder, String type) {
  }

  private final Vertx vertx;
  private final ComfyUiApi api;
  private final long inlineLimit;
  private final String outputDir;

  OutputFiles(Vertx vertx, ComfyUiApi api, long inlineLimit, String outputDir) {
    this.vertx = vertx;
    this.api = api;
    this.inlineLimit = inlineLimit;
    this.outputDir = outputDir;
  }

  /** The files listed in a history entry's {@code outputs}, node by node. */
  static List<OutputFile> list(JsonObject outputs) {
    List<OutputFile> files = new ArrayList<>();
    for (String node : outputs.fieldNames()) {
      if (!(outputs.getValue(node) instanceof JsonObject ui)) {
        continue;
      }
      for (String key : ui.fieldNames()) {
        if (ui.getValue(key) instanceof JsonArray items) {
          for (Object item : items) {
            if (item instanceof JsonObject o && o.getValue("filename") instanceof String name && !name.isBlank()) {
              files.add(new OutputFile(node, name, o.getValue("subfolder") instanceof String s ? s : "",
                o.getValue("type") instanceof String t ? t : "output"));
            }
          }
        }
      }
    }
    return files;
  }

  /** Fetches every output file of {@code outputs}; completes with the result's {@code outputs} array. */
  Future<JsonArray> collect(String jobId, JsonObject outputs) {
    Batch batch = new Batch(outputDir + "/" + safeName(jobId));
    Future<Void> chain = Future.succeededFuture();
    for (OutputFile f : list(outputs)) {
      chain = chain.compose(v -> fetch(batch, f)).map(entry -> {
        batch.results.add(entry);
        return null;
      });
    }
    return chain.map(v -> batch.results);
  }

  private Future<JsonObject> fetch(Batch batch, OutputFile f) {
    return api.view(f, resp -> {
      String mime = mimeType(resp.getHeader("Content-Type"), f.filename());
      long length = contentLength(resp.getHeader("Content-Length"));
      if (length >= 0 && batch.fits(length)) {
        return resp.body().map(body -> batch.inline(f, mime, body));
      }
      resp.pause(); // until the file is open; pipeTo resumes it
      return download(batch.dir, resp).compose(tmp -> settle(batch, f, mime, tmp));
    });
  }

  /** Streams the body to a temporary file in {@code dir}; completes with its path. */
  private Future<String> download(String dir, HttpClientResponse resp) {
    FileSystem fs = vertx.fileSystem();
    String tmp = dir + "/.part-" + UUID.randomUUID();
    return fs.mkdirs(dir)
      .compose(v -> fs.open(tmp, new OpenOptions().setWrite(true).setCreate(true).setTruncateExisting(true)))
      .compose(resp::pipeTo)
      .map(v -> tmp)
      .recover(e -> {
        resp.request().reset();
        return fs.delete(tmp).transform(ignored -> Future.failedFuture(e));
      });
  }

  /** A small file of unknown length goes inline after all; anything else is renamed into place. */
  private Future<JsonObject> settle(Batch batch, OutputFile f, String mime, String tmp) {
    FileSystem fs = vertx.fileSystem();
    return fs.props(tmp).compose(props -> {
      if (batch.fits(props.size())) {
        return fs.readFile(tmp).compose(body -> fs.delete(tmp).map(v -> batch.inline(f, mime, body)));
      }
      String target = batch.dir + "/" + batch.uniqueName(f.filename());
      return fs.move(tmp, target, new CopyOptions().setAtomicMove(true).setReplaceExisting(true))
        .map(v -> entry(f, mime, props.size()).put("path", target));
    });
  }

  static String mimeType(String header, String filename) {
    if (header != null && !header.isBlank()) {
      String type = header.split(";")[0].trim().toLowerCase(Locale.ROOT);
      if (!type.isEmpty() && !type.equals("application/octet-stream")) {
        return type;
      }
    }
    int dot = filename.lastIndexOf('.');
    String ext = dot < 0 ? "" : filename.substring(dot + 1).toLowerCase(Locale.ROOT);
    return MIME.getOrDefault(ext, "application/octet-stream");
  }

  /** A file or directory name made of {@code [A-Za-z0-9._-]}, without leading dots or path parts. */
  static String safeName(String name) {
    String base = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1)
      .replaceAll("[^A-Za-z0-9._-]", "_")
      .replaceFirst("^\\.+", "");
    if (base.length() > 200) {
      base = base.substring(base.length() - 200);
    }
    return base.isEmpty() ? "output" : base;
  }

  private static long contentLength(String header) {
    try {
      return header == null ? -1 : Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static JsonObject entry(OutputFile f, String mime, long size) {
    return new JsonObject()
      .put("node", f.node())
      .put("filename", f.filename())
      .put("subfolder", f.subfolder())
      .put("type", f.type())
      .put("mime_type", mime)
      .put("size_bytes", size);
  }

  /** The outputs of one job: the inline budget used so far and the names taken in its directory. */
  private final class Batch {
    private final String dir;
    private final JsonArray results = new JsonArray();
    private final Set<String> names = new HashSet<>();
    private long inlineBytes;

    Batch(String dir) {
      this.dir = dir;
    }

    boolean fits(long size) {
      return inlineBytes + size <= inlineLimit;
    }

    JsonObject inline(OutputFile f, String mime, Buffer body) {
      inlineBytes += body.length();
      return entry(f, mime, body.length()).put("base64", Base64.getEncoder().encodeToString(body.getBytes()));
    }

    String uniqueName(String filename) {
      String base = safeName(filename);
      String name = base;
      for (int i = 1; !names.add(name); i++) {
        name = i + "-" + base;
      }
      return name;
    }
  }
}
