using System.Text;
using Apache.Arrow;
using HuntEngine.Batches;
using HuntEngine.DataGen;
using HuntEngine.Scanning;
using HuntEngine.Sinks;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Store;

/// <summary>A store part that fails to be written leaves no temporary file in the store.</summary>
public sealed class StorePartFailureTests
{
    /// <summary>Arrow parts, but the writer fails where asked (a full disk, say).</summary>
    private sealed class FailingFormat(bool failToCreate) : StoreFormat
    {
        public override string Name => "arrow";
        public override string Extension => ".arrow";
        public override bool Recognizes(ReadOnlySpan<byte> head) => false;
        public override IStorePartReader OpenReader(Stream stream) => throw new NotSupportedException();

        public override IStorePartWriter CreateWriter(Stream stream, Schema schema)
        {
            if (failToCreate) throw new IOException("No space left on device (creating)");
            return new Writer(Arrow.CreateWriter(stream, schema));
        }

        private sealed class Writer(IStorePartWriter inner) : IStorePartWriter
        {
            public void Write(RecordBatch batch) => inner.Write(batch);
            public void Complete() => throw new IOException("No space left on device (completing)");
            public void Dispose() => inner.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_part_that_cannot_be_written_leaves_no_temporary_file(bool failToCreate)
    {
        using var input = new TempDir();
        using var store = new TempDir();
        File.WriteAllText(Path.Combine(input.Path, "a.ndjson"), string.Join("\n",
            CorpusGenerator.Records(new GeneratorOptions(3, 100_000, PlantRate: 0.05, Adversarial: false)).Select(r => Encoding.UTF8.GetString(r.Json))) + "\n");
        var options = new ScanOptions
        {
            Paths = [input.Path], Threads = 1, MemoryMap = false,
            Store = new StoreOptions(store.Path) { Format = new FailingFormat(failToCreate) },
        };
        var e = Assert.ThrowsAny<Exception>(() => HuntScanner.Run(options).Dispose());
        Assert.Contains("No space left", e.ToString());
        Assert.Empty(Directory.GetFiles(store.Path, "*", SearchOption.AllDirectories)); // before the fix (ff38ef1/7ce1d4b): .part-w000-00000.arrow.<pid>.tmp is left
    }
}
