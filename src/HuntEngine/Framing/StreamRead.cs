namespace HuntEngine.Framing;

/// <summary>
/// One read from a (decompressed) stream, with the framers' error policy in one place: the end of
/// the stream may still reveal damage (<paramref name="checkEnd"/>), and an exception of any type
/// from a decoder (ZstdSharp throws its own) is a damaged stream: what came before is still framed.
/// </summary>
internal static class StreamRead
{
    public static int Once(Stream stream, byte[] buffer, int offset, int count, Func<string?>? checkEnd, ref bool eof, ref Exception? error)
    {
        try
        {
            int n = stream.Read(buffer, offset, count);
            if (n == 0)
            {
                eof = true;
                if (checkEnd?.Invoke() is { } damage) error = new InvalidDataException(damage);
            }
            return n;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = ex;
            eof = true;
            return 0;
        }
    }
}
