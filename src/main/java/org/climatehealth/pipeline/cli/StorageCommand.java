package org.climatehealth.pipeline.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.climatehealth.pipeline.cli.Locations.Location;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.ObjectNotFoundException;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageException;
import org.climatehealth.pipeline.storage.StorageFactory;
import org.climatehealth.pipeline.storage.StorageUsage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code storage ls | stats | exists | cat | rm | mkdir}: the storage layer from the command line. */
@Command(name = "storage",
    description = "Inspect and manage the stores: ls, stats, exists, cat, rm, mkdir.",
    mixinStandardHelpOptions = true,
    subcommands = {StorageCommand.Ls.class, StorageCommand.Stats.class, StorageCommand.Exists.class,
        StorageCommand.Cat.class, StorageCommand.Rm.class, StorageCommand.Mkdir.class},
    footer = {"", "LOCATION is raw:KEY, processed:KEY, models:KEY (a key in a configured store),",
        "s3://BUCKET/KEY or file:PATH. Keys cannot contain '..' segments."})
public final class StorageCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "missing storage command: one of " + String.join(", ", spec.subcommands().keySet()));
  }

  /** Base of the storage subcommands: resolves locations and opens their stores. */
  abstract static class StorageSubcommand extends PipelineCommand {

    abstract int run(StorageFactory stores);

    @Override
    public Integer call() {
      try (StorageFactory stores = new StorageFactory(settings().s3())) {
        return run(stores);
      }
    }

    Location location(String text) {
      return Locations.parse(text, settings());
    }

    /** The given locations, or every configured store (labelled by name) when none is given. */
    Map<String, Location> locationsOrStores(List<String> given) {
      Map<String, Location> result = new LinkedHashMap<>();
      if (given == null || given.isEmpty()) {
        settings().stores().byName().entrySet().stream()
            .sorted(Map.Entry.comparingByKey(storeOrder()))
            .forEach(e -> result.put(e.getKey(), new Location(e.getValue(), "")));
      } else {
        for (String text : given) {
          result.put(text, location(text));
        }
      }
      return result;
    }

    Location requireKey(String text, String what) {
      Location location = location(text);
      if (location.key().isEmpty()) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            what + " needs a key, not a whole store: e.g. raw:raw/climate_data.csv");
      }
      return location;
    }

    private static java.util.Comparator<String> storeOrder() {
      List<String> order = List.of("raw", "processed", "models");
      return java.util.Comparator.comparingInt(order::indexOf);
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true,
      description = {"List objects with size, last-modified time and ETag (S3's; for a local file, a version tag",
          "of its size, modification time and identity).",
          "A LOCATION naming an object lists it; a folder lists everything below it; anything else",
          "lists the keys that start with it. With no LOCATION, every configured store."})
  static final class Ls extends StorageSubcommand {
    @Parameters(paramLabel = "LOCATION", arity = "0..*", description = "What to list.")
    List<String> locations = new ArrayList<>();

    @Override
    int run(StorageFactory stores) {
      long count = 0;
      long bytes = 0;
      for (Location location : locationsOrStores(locations).values()) {
        Storage storage = stores.open(location.store());
        for (ObjectInfo info : listing(storage, location.key())) {
          out().printf(Locale.ROOT, "%-20s %14d  %-32s  %s%n", info.lastModified().truncatedTo(ChronoUnit.SECONDS),
              info.size(), info.etag(), location.store().resolve(info.key()));
          count++;
          bytes += info.size();
        }
      }
      out().printf(Locale.ROOT, "%d object%s, %s%n", count, count == 1 ? "" : "s", Bytes.human(bytes));
      return ExitCodes.SUCCESS;
    }

    private static List<ObjectInfo> listing(Storage storage, String key) {
      if (key.isEmpty() || key.endsWith("/")) {
        return storage.list(key);
      }
      var object = storage.stat(key);
      if (object.isPresent()) {
        return List.of(object.get());
      }
      List<ObjectInfo> folder = storage.list(key + "/");
      return folder.isEmpty() ? storage.list(key) : folder;
    }
  }

  @Command(name = "stats", mixinStandardHelpOptions = true,
      description = {"Object count and size of stores or prefixes, by top-level prefix.",
          "With no LOCATION, every configured store."})
  static final class Stats extends StorageSubcommand {
    @Parameters(paramLabel = "LOCATION", arity = "0..*", description = "Stores or prefixes to measure.")
    List<String> locations = new ArrayList<>();

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    int run(StorageFactory stores) {
      Map<String, Object> report = new LinkedHashMap<>();
      for (Map.Entry<String, Location> entry : locationsOrStores(locations).entrySet()) {
        Location location = entry.getValue();
        StorageUsage usage = stores.open(location.store()).usage(location.key());
        if (json) {
          Map<String, Object> figures = new LinkedHashMap<>();
          figures.put("uri", location.toString());
          figures.put("objects", usage.objects());
          figures.put("bytes", usage.bytes());
          figures.put("by_prefix", usage.byTopLevelPrefix());
          report.put(entry.getKey(), figures);
          continue;
        }
        out().printf(Locale.ROOT, "%-10s %s: %d object%s, %s (%d bytes)%n", entry.getKey(), location,
            usage.objects(), usage.objects() == 1 ? "" : "s", Bytes.human(usage.bytes()), usage.bytes());
        usage.byTopLevelPrefix().forEach((prefix, totals) -> out().printf(Locale.ROOT,
            "  %-30s %8d object%s  %12s%n", prefix.isEmpty() ? "(top level)" : prefix, totals.objects(),
            totals.objects() == 1 ? " " : "s", Bytes.human(totals.bytes())));
      }
      if (json) {
        out().println(Storage.Json.write(report));
      }
      return ExitCodes.SUCCESS;
    }
  }

  @Command(name = "exists", mixinStandardHelpOptions = true,
      description = {"Print true when an object or folder exists at LOCATION, else false.",
          "Exit status 0 when it exists, 1 when it does not."})
  static final class Exists extends StorageSubcommand {
    @Parameters(paramLabel = "LOCATION", description = "The object or folder.")
    String location;

    @Override
    int run(StorageFactory stores) {
      Location where = requireKey(location, "exists");
      boolean exists = stores.open(where.store()).exists(where.key());
      out().println(exists);
      return exists ? ExitCodes.SUCCESS : ExitCodes.FAILED;
    }
  }

  @Command(name = "cat", mixinStandardHelpOptions = true, description = "Write an object's bytes to stdout.")
  static final class Cat extends StorageSubcommand {
    @Parameters(paramLabel = "LOCATION", description = "The object.")
    String location;

    @Override
    int run(StorageFactory stores) {
      Location where = requireKey(location, "cat");
      out().flush();
      PrintStream stdout = System.out;
      try (InputStream in = stores.open(where.store()).open(where.key())) {
        in.transferTo(stdout);
        stdout.flush();
      } catch (IOException e) {
        throw new StorageException("cannot read " + where + ": " + e.getMessage(), e);
      }
      return ExitCodes.SUCCESS;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true,
      description = {"Delete an object, or with --recursive everything below a folder or prefix."})
  static final class Rm extends StorageSubcommand {
    @Parameters(paramLabel = "LOCATION", description = "The object, folder or prefix.")
    String location;

    @Option(names = {"-r", "--recursive"}, description = "Delete everything below LOCATION.")
    boolean recursive;

    @Option(names = "--force", description = "With --recursive: allow LOCATION to be a whole store.")
    boolean force;

    @Override
    int run(StorageFactory stores) {
      Location where = location(location);
      Storage storage = stores.open(where.store());
      if (recursive) {
        if (where.key().isEmpty() && !force) {
          throw new CommandLine.ParameterException(spec.commandLine(),
              "refusing to empty the whole store " + where.store() + " without --force");
        }
        String prefix = where.key().isEmpty() || where.key().endsWith("/") ? where.key() : where.key() + "/";
        long deleted = (!where.key().isEmpty() && !where.key().endsWith("/") && storage.delete(where.key()) ? 1 : 0)
            + storage.deletePrefix(prefix);
        out().printf(Locale.ROOT, "deleted %d object%s under %s%n", deleted, deleted == 1 ? "" : "s", where);
        return ExitCodes.SUCCESS;
      }
      Location object = requireKey(location, "rm");
      if (storage.delete(object.key())) {
        out().println("deleted " + object);
        return ExitCodes.SUCCESS;
      }
      if (storage.exists(object.key())) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            where + " is a folder: use --recursive to delete everything below it");
      }
      throw new ObjectNotFoundException(object.toString());
    }
  }

  @Command(name = "mkdir", mixinStandardHelpOptions = true,
      description = "Create a folder marker (an empty folder) at LOCATION.")
  static final class Mkdir extends StorageSubcommand {
    @Parameters(paramLabel = "LOCATION", description = "The folder.")
    String location;

    @Override
    int run(StorageFactory stores) {
      Location where = requireKey(location, "mkdir");
      stores.open(where.store()).createFolder(where.key().replaceAll("/+$", ""));
      out().println("created " + where);
      return ExitCodes.SUCCESS;
    }
  }

}
