using System.Globalization;
using System.Text;

namespace HuntEngine.Parsing;

/// <summary>How a plan node is reached from its parent.</summary>
internal enum StepKind : byte
{
    Root,
    Property,
    /// <summary>The array's first element.</summary>
    FirstElement,
    /// <summary>The array's first element that is an object whose test property is the given number.</summary>
    FirstElementWhere,
}

/// <summary>One node of the compiled path trie. Ids are in depth-first order, so a subtree is the id range [Id, SubtreeEnd).</summary>
internal sealed class PlanNode
{
    public int Id;
    public int Parent;
    public StepKind Step;
    public byte[] Name = [];
    public int SubtreeEnd;
    public PropertyTable Properties = PropertyTable.Empty;
    public int FirstElementChild = -1;
    public int WhereChild = -1;
    /// <summary>For a <see cref="StepKind.FirstElementWhere"/> node: the child holding the tested property, and the number it must equal.</summary>
    public int WhereTestNode = -1;
    public double WhereValue;
    internal readonly List<PlanNode> Children = new();
}

/// <summary>Child property names of a node, bucketed by length so a lookup compares few bytes.</summary>
internal sealed class PropertyTable
{
    public static readonly PropertyTable Empty = new([]);
    private readonly (byte[] Name, int Id)[][] _byLength;

    public PropertyTable(IEnumerable<(byte[] Name, int Id)> entries)
    {
        var list = entries.ToList();
        int max = list.Count == 0 ? 0 : list.Max(e => e.Name.Length);
        _byLength = new (byte[], int)[max + 1][];
        for (int len = 0; len <= max; len++) _byLength[len] = list.Where(e => e.Name.Length == len).ToArray();
        Count = list.Count;
    }

    public int Count { get; }

    public int Find(ReadOnlySpan<byte> name)
    {
        if (name.Length >= _byLength.Length) return -1;
        foreach (var (n, id) in _byLength[name.Length])
            if (name.SequenceEqual(n)) return id;
        return -1;
    }
}

/// <summary>
/// The union of every path the record kinds read, compiled once into a trie the parser walks in a
/// single pass over each record. Each column source becomes a list of terminal node ids; each
/// recognizer a tree over top-level node ids.
/// </summary>
internal sealed class FieldPlan
{
    private readonly Dictionary<(int Parent, StepKind Step, string Key), PlanNode> _index = new();

    private FieldPlan(IReadOnlyList<KindSpec> kinds)
    {
        var root = new PlanNode { Step = StepKind.Root, Parent = -1 };
        var paths = new List<(string Path, PlanNode Terminal)>();
        var all = new List<PlanNode> { root };

        PlanNode Intern(PlanNode parent, StepKind step, string key, Func<PlanNode> make)
        {
            var k = (all.IndexOf(parent), step, key);
            if (_index.TryGetValue(k, out var n)) return n;
            n = make();
            n.Step = step;
            parent.Children.Add(n);
            all.Add(n);
            _index[k] = n;
            return n;
        }

        PlanNode AddPath(string path)
        {
            var node = root;
            foreach (var seg in path.Split('.'))
            {
                int br = seg.IndexOf('[');
                string name = br < 0 ? seg : seg[..br];
                node = Intern(node, StepKind.Property, name, () => new PlanNode { Name = Encoding.UTF8.GetBytes(name) });
                if (br < 0) continue;
                string inner = seg[(br + 1)..^1];
                if (inner == "0")
                {
                    node = Intern(node, StepKind.FirstElement, "", () => new PlanNode());
                }
                else
                {
                    int eq = inner.IndexOf('=');
                    if (eq < 0) throw new InvalidOperationException($"bad path step '{seg}' in '{path}'");
                    string testName = inner[..eq];
                    double value = double.Parse(inner[(eq + 1)..], CultureInfo.InvariantCulture);
                    var where = Intern(node, StepKind.FirstElementWhere, inner, () => new PlanNode { WhereValue = value });
                    var test = Intern(where, StepKind.Property, testName, () => new PlanNode { Name = Encoding.UTF8.GetBytes(testName) });
                    where.WhereTestNode = -2 - all.IndexOf(test); // resolved to an id after numbering
                    node = where;
                }
            }
            return node;
        }

        var terminals = new List<(KindSpec Kind, Column Col, PlanNode[] Nodes)>();
        foreach (var kind in kinds)
        {
            CollectRecognizerPaths(kind.Recognize, p => AddPath(p));
            foreach (var (col, src) in kind.Columns)
                terminals.Add((kind, col, src.Paths.Select(AddPath).ToArray()));
        }

        // Number depth-first so each subtree is a contiguous id range.
        Nodes = new PlanNode[all.Count];
        int next = 0;
        void Number(PlanNode n)
        {
            n.Id = next++;
            Nodes[n.Id] = n;
            foreach (var c in n.Children) { c.Parent = n.Id; Number(c); }
            n.SubtreeEnd = next;
        }
        Number(root);

        foreach (var n in Nodes)
        {
            n.Properties = new PropertyTable(n.Children.Where(c => c.Step == StepKind.Property).Select(c => (c.Name, c.Id)));
            var first = n.Children.FirstOrDefault(c => c.Step == StepKind.FirstElement);
            var where = n.Children.Where(c => c.Step == StepKind.FirstElementWhere).ToList();
            if (where.Count > 1 || (where.Count == 1 && first is not null))
                throw new InvalidOperationException($"node '{Encoding.UTF8.GetString(n.Name)}' needs two element selectors; the single-pass parser supports one");
            n.FirstElementChild = first?.Id ?? -1;
            n.WhereChild = where.Count == 1 ? where[0].Id : -1;
            if (n.WhereTestNode <= -2) n.WhereTestNode = all[-2 - n.WhereTestNode].Id;
        }

        ColumnPaths = new int[RecordKinds.Count][][];
        foreach (var kind in kinds)
        {
            var perColumn = new int[Columns.Count][];
            foreach (var (k, col, nodes) in terminals.Where(t => t.Kind == kind))
                perColumn[(int)col] = nodes.Select(x => x.Id).ToArray();
            ColumnPaths[(int)kind.Kind] = perColumn;
        }
    }

    public static FieldPlan Compile(IReadOnlyList<KindSpec> kinds) => new(kinds);

    /// <summary>The compiled plan of <see cref="KindCatalog.Kinds"/>, built once per process.</summary>
    public static FieldPlan Default { get; } = Compile(KindCatalog.Kinds);

    public PlanNode[] Nodes { get; }

    public PlanNode Root => Nodes[0];

    /// <summary>[kind][column] → terminal node ids of the column's paths, in fallback order (null when the kind has no such column).</summary>
    public int[][][] ColumnPaths { get; }

    /// <summary>The node id of a top-level property (for recognizers).</summary>
    public int TopLevel(string name) => Root.Properties.Find(Encoding.UTF8.GetBytes(name));

    /// <summary>The node ids from the first step below the root down to <paramref name="terminal"/>.</summary>
    public int[] Lineage(int terminal)
    {
        var list = new List<int>();
        for (int n = terminal; n > 0; n = Nodes[n].Parent) list.Add(n);
        list.Reverse();
        return list.ToArray();
    }

    private static void CollectRecognizerPaths(Recognizer r, Action<string> add)
    {
        switch (r)
        {
            case Has h: add(h.Property); break;
            case HasObject o: add(o.Property); break;
            case StringIn s: add(s.Property); break;
            case AllOf a: foreach (var p in a.Parts) CollectRecognizerPaths(p, add); break;
            case AnyOf a: foreach (var p in a.Parts) CollectRecognizerPaths(p, add); break;
        }
    }
}
