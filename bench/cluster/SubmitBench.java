// SubmitBench submits a jar to Nimbus with Storm's own client,
// org.apache.storm.StormSubmitter, so that scripts/bench can time it against
// `stormpy submit` on the same jar and the same cluster.
//
// The topology is the shape of examples/wordcount (sentences -> split ->
// count) as Thrift ShellComponents, which is what stormpy submits for that
// project too: no Java component classes, so the jar needs none.
//
// Usage: java -cp "$STORM_HOME/lib-worker/*:$STORM_HOME/conf:CLASSES" SubmitBench JAR NAME
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.storm.Config;
import org.apache.storm.StormSubmitter;
import org.apache.storm.generated.Bolt;
import org.apache.storm.generated.ComponentCommon;
import org.apache.storm.generated.ComponentObject;
import org.apache.storm.generated.GlobalStreamId;
import org.apache.storm.generated.Grouping;
import org.apache.storm.generated.NullStruct;
import org.apache.storm.generated.ShellComponent;
import org.apache.storm.generated.SpoutSpec;
import org.apache.storm.generated.StormTopology;
import org.apache.storm.generated.StreamInfo;

public final class SubmitBench {
    private SubmitBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SubmitBench JAR NAME");
            System.exit(2);
        }
        String jar = args[0];
        String name = args[1];

        Map<String, SpoutSpec> spouts = new HashMap<>();
        spouts.put("sentences", new SpoutSpec(shell("sentence_spout.py"),
                common(new HashMap<>(), 1, "sentence")));

        Map<String, Bolt> bolts = new HashMap<>();
        Map<GlobalStreamId, Grouping> splitIn = new HashMap<>();
        splitIn.put(new GlobalStreamId("sentences", "default"), Grouping.shuffle(new NullStruct()));
        bolts.put("split", new Bolt(shell("split_bolt.py"), common(splitIn, 2, "word")));
        Map<GlobalStreamId, Grouping> countIn = new HashMap<>();
        countIn.put(new GlobalStreamId("split", "default"), Grouping.fields(List.of("word")));
        bolts.put("count", new Bolt(shell("count_bolt.py"), common(countIn, 2, "word", "count")));

        StormTopology topology = new StormTopology(spouts, bolts, new HashMap<>());
        Config conf = new Config();
        conf.setNumWorkers(1);

        // StormSubmitter reads the jar to upload from this property, as
        // `storm jar` sets it.
        System.setProperty("storm.jar", jar);
        long start = System.nanoTime();
        StormSubmitter.submitTopology(name, conf, topology);
        System.out.printf("in_jvm_submit_ms=%.1f%n", (System.nanoTime() - start) / 1e6);
    }

    private static ComponentObject shell(String script) {
        return ComponentObject.shell(new ShellComponent("python3", script));
    }

    private static ComponentCommon common(Map<GlobalStreamId, Grouping> inputs, int parallelism, String... fields) {
        Map<String, StreamInfo> streams = new HashMap<>();
        streams.put("default", new StreamInfo(List.of(fields), false));
        ComponentCommon c = new ComponentCommon(inputs, streams);
        c.set_parallelism_hint(parallelism);
        return c;
    }
}
