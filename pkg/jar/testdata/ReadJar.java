// Reads a jar the way a JVM's streaming readers do and prints what it
// finds: the manifest's main attributes, then every entry with its size.
// Run as a single-file program: java testdata/ReadJar.java FILE.jar
import java.io.FileInputStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

public class ReadJar {
    public static void main(String[] args) throws Exception {
        try (JarInputStream in = new JarInputStream(new FileInputStream(args[0]), true)) {
            Manifest m = in.getManifest();
            if (m == null) {
                System.out.println("no manifest");
                System.exit(1);
            }
            Map<String, String> attrs = new TreeMap<>();
            m.getMainAttributes().forEach((k, v) -> attrs.put(k.toString(), v.toString()));
            attrs.forEach((k, v) -> System.out.println("manifest " + k + ": " + v));
            byte[] buf = new byte[65536];
            for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                long n = 0;
                for (int r; (r = in.read(buf)) > 0; ) {
                    n += r;
                }
                System.out.println("entry " + e.getName() + " " + n);
            }
        }
    }
}
