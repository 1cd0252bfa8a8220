// JavaPartition: the partition the Java Kafka client gives a keyed record (the code path of KafkaProducer
// when neither the record nor partitioner.class names one: BuiltInPartitioner.partitionForKey, murmur2 of
// the serialized key). Reads "PARTITIONS<TAB>KEY" lines, prints "PARTITIONS<TAB>KEY<TAB>PARTITION".
// usage: java -cp '<kafka libs>/*' JavaPartition.java <keys.tsv   (single-file source launch, Java 11+)
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;

public class JavaPartition {
    public static void main(String[] args) throws Exception {
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        var out = new StringBuilder();
        for (String line; (line = in.readLine()) != null;) {
            if (line.isEmpty()) continue;
            int tab = line.indexOf('\t');
            int n = Integer.parseInt(line.substring(0, tab));
            byte[] key = line.substring(tab + 1).getBytes(StandardCharsets.UTF_8); // as StringSerializer
            int p = BuiltInPartitioner.partitionForKey(key, n);
            if (p != Utils.toPositive(Utils.murmur2(key)) % n) throw new AssertionError("murmur2 formula changed");
            out.append(n).append('\t').append(line, tab + 1, line.length()).append('\t').append(p).append('\n');
        }
        System.out.print(out);
    }
}
