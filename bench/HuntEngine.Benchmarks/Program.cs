using BenchmarkDotNet.Running;
using HuntEngine.Benchmarks;

// Per-stage benchmarks of HuntEngine over a generated corpus (bench/README.md):
//   dotnet run -c Release --project bench/HuntEngine.Benchmarks -- --filter '*'
//   dotnet run -c Release --project bench/HuntEngine.Benchmarks -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, BenchConfig.Create());
return 0;
