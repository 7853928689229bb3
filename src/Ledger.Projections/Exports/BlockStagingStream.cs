using System.Buffers;
using System.Buffers.Binary;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Ledger.Projections;

/// <summary>
/// A write-only stream that stages each full buffer as a block of a block blob and commits the block list only when
/// asked. Unlike <see cref="BlockBlobClient.OpenWriteAsync(bool, BlockBlobOpenWriteOptions, CancellationToken)"/>,
/// whose flush and dispose commit what was written so far, nothing here becomes visible before
/// <see cref="CommitAsync"/>, so an abandoned file never replaces a whole one.
/// </summary>
internal sealed class BlockStagingStream : Stream
{
    /// <summary>The service's limit of committed blocks per blob.</summary>
    private const int MaxBlocks = 50_000;

    private readonly BlockBlobClient _blob;
    private readonly byte[] _buffer;

    /// <summary>Block ids of one blob must all have the same length; a writer's own prefix keeps another attempt's uncommitted blocks apart.</summary>
    private readonly Guid _writerId = Guid.NewGuid();
    private readonly List<string> _blockIds = [];
    private int _filled;
    private long _length;
    private bool _committed;
    private bool _disposed;

    public BlockStagingStream(BlockBlobClient blob, int blockBytes)
    {
        _blob = blob;
        _buffer = ArrayPool<byte>.Shared.Rent(blockBytes);
        BlockBytes = blockBytes;
    }

    public int BlockBytes { get; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_disposed && !_committed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        RequireWritable();
        while (!buffer.IsEmpty)
        {
            buffer = buffer[Fill(buffer)..];
            if (_filled == BlockBytes)
            {
                var blockId = NextBlockId();
                using (var block = BufferedBlock())
                {
                    _blob.StageBlock(blockId, block, new BlockBlobStageBlockOptions());
                }

                Staged(blockId);
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        RequireWritable();
        while (!buffer.IsEmpty)
        {
            buffer = buffer[Fill(buffer.Span)..];
            if (_filled == BlockBytes)
            {
                await StageAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Nothing to do: a block is staged when it is full, and nothing is visible before the commit.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stages what is left and commits every block as the blob's content, in one request that replaces the blob; returns its size.</summary>
    public async Task<long> CommitAsync(CommitBlockListOptions options, CancellationToken cancellationToken)
    {
        RequireWritable();
        if (_filled > 0)
        {
            await StageAsync(cancellationToken).ConfigureAwait(false);
        }

        await _blob.CommitBlockListAsync(_blockIds, options, cancellationToken).ConfigureAwait(false);
        _committed = true;
        return _length;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        base.Dispose(disposing);
    }

    private int Fill(ReadOnlySpan<byte> source)
    {
        var count = Math.Min(source.Length, BlockBytes - _filled);
        source[..count].CopyTo(_buffer.AsSpan(_filled));
        _filled += count;
        _length += count;
        return count;
    }

    private async Task StageAsync(CancellationToken cancellationToken)
    {
        var blockId = NextBlockId();
        using (var block = BufferedBlock())
        {
            await _blob.StageBlockAsync(blockId, block, new BlockBlobStageBlockOptions(), cancellationToken).ConfigureAwait(false);
        }

        Staged(blockId);
    }

    /// <summary>The next block's id, of fixed length: the writer's id and the block's number.</summary>
    private string NextBlockId()
    {
        if (_blockIds.Count == MaxBlocks)
        {
            throw new IOException($"The file needs more than {MaxBlocks} blocks of {BlockBytes} bytes.");
        }

        Span<byte> id = stackalloc byte[20];
        _writerId.TryWriteBytes(id);
        BinaryPrimitives.WriteInt32BigEndian(id[16..], _blockIds.Count);
        return Convert.ToBase64String(id);
    }

    private MemoryStream BufferedBlock() => new(_buffer, 0, _filled, writable: false);

    /// <summary>Only a block the service accepted goes into the list the commit names.</summary>
    private void Staged(string blockId)
    {
        _blockIds.Add(blockId);
        _filled = 0;
    }

    private void RequireWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
        {
            throw new InvalidOperationException("The file is committed.");
        }
    }
}
