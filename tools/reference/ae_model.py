"""FLUX.1 autoencoder in plain PyTorch, written from black-forest-labs/flux
src/flux/modules/autoencoder.py (see /work/shared/notes/models.md section 2.1).

Attribute names follow the original, so state_dict() keys are the names in ae.safetensors
(encoder.down.0.block.0.norm1.weight, decoder.up.1.upsample.conv.bias, encoder.mid.attn_1.q.weight
...).  The only change: AttnBlock's scaled_dot_product_attention is written out (torch 1.13).
encode() returns the posterior MEAN (DiagonalGaussian with sample=False) and applies
scale/shift; decode() undoes them first.
"""

from torch import nn
import torch
import torch.nn.functional as F

FLUX_SCALE_FACTOR = 0.3611
FLUX_SHIFT_FACTOR = 0.1159


def swish(x):
    return x * torch.sigmoid(x)


def group_norm(c):
    return nn.GroupNorm(num_groups=32, num_channels=c, eps=1e-6, affine=True)


class AttnBlock(nn.Module):
    """Single-head self-attention over all h*w positions, 1x1 convs for q, k, v, proj_out."""

    def __init__(self, c):
        super().__init__()
        self.norm = group_norm(c)
        self.q = nn.Conv2d(c, c, kernel_size=1)
        self.k = nn.Conv2d(c, c, kernel_size=1)
        self.v = nn.Conv2d(c, c, kernel_size=1)
        self.proj_out = nn.Conv2d(c, c, kernel_size=1)

    def attention(self, x):
        x = self.norm(x)
        q, k, v = self.q(x), self.k(x), self.v(x)
        b, c, h, w = q.shape
        # "b c h w -> b 1 (h w) c"
        q, k, v = (t.reshape(b, c, h * w).transpose(1, 2) for t in (q, k, v))
        a = torch.softmax(torch.matmul(q, k.transpose(1, 2)) * (c ** -0.5), dim=-1)
        o = torch.matmul(a, v)
        return o.transpose(1, 2).reshape(b, c, h, w)

    def forward(self, x):
        return x + self.proj_out(self.attention(x))


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.cin, self.cout = cin, cout
        self.norm1 = group_norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, kernel_size=3, stride=1, padding=1)
        self.norm2 = group_norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, kernel_size=3, stride=1, padding=1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, kernel_size=1, stride=1, padding=0)

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(swish(self.norm2(h)))
        if self.cin != self.cout:
            x = self.nin_shortcut(x)
        return x + h


class Downsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, kernel_size=3, stride=2, padding=0)

    def forward(self, x):
        # asymmetric: one zero column on the right, one zero row at the bottom
        return self.conv(F.pad(x, (0, 1, 0, 1), mode="constant", value=0))


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, kernel_size=3, stride=1, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Encoder(nn.Module):
    def __init__(self, in_channels, ch, ch_mult, num_res_blocks, z_channels):
        super().__init__()
        self.num_resolutions = len(ch_mult)
        self.num_res_blocks = num_res_blocks
        self.conv_in = nn.Conv2d(in_channels, ch, kernel_size=3, stride=1, padding=1)
        in_ch_mult = (1,) + tuple(ch_mult)
        self.down = nn.ModuleList()
        block_in = ch
        for i_level in range(self.num_resolutions):
            block = nn.ModuleList()
            block_in = ch * in_ch_mult[i_level]
            block_out = ch * ch_mult[i_level]
            for _ in range(num_res_blocks):
                block.append(ResnetBlock(block_in, block_out))
                block_in = block_out
            down = nn.Module()
            down.block = block
            if i_level != self.num_resolutions - 1:
                down.downsample = Downsample(block_in)
            self.down.append(down)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in)
        self.mid.attn_1 = AttnBlock(block_in)
        self.mid.block_2 = ResnetBlock(block_in, block_in)
        self.norm_out = group_norm(block_in)
        self.conv_out = nn.Conv2d(block_in, 2 * z_channels, kernel_size=3, stride=1, padding=1)

    def forward(self, x, trace=None):
        tr = trace if trace is not None else {}
        h = self.conv_in(x)
        for i_level in range(self.num_resolutions):
            for i_block in range(self.num_res_blocks):
                h = self.down[i_level].block[i_block](h)
            if i_level != self.num_resolutions - 1:
                h = self.down[i_level].downsample(h)
        h = self.mid.block_1(h)
        h = self.mid.attn_1(h)
        h = self.mid.block_2(h)
        tr["enc_mid"] = h
        h = self.conv_out(swish(self.norm_out(h)))
        tr["enc_moments"] = h
        return h


class Decoder(nn.Module):
    def __init__(self, ch, out_ch, ch_mult, num_res_blocks, z_channels):
        super().__init__()
        self.num_resolutions = len(ch_mult)
        self.num_res_blocks = num_res_blocks
        block_in = ch * ch_mult[-1]
        self.conv_in = nn.Conv2d(z_channels, block_in, kernel_size=3, stride=1, padding=1)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in)
        self.mid.attn_1 = AttnBlock(block_in)
        self.mid.block_2 = ResnetBlock(block_in, block_in)
        self.up = nn.ModuleList()
        for i_level in reversed(range(self.num_resolutions)):
            block = nn.ModuleList()
            block_out = ch * ch_mult[i_level]
            for _ in range(num_res_blocks + 1):
                block.append(ResnetBlock(block_in, block_out))
                block_in = block_out
            up = nn.Module()
            up.block = block
            if i_level != 0:
                up.upsample = Upsample(block_in)
            self.up.insert(0, up)  # up[0] is the highest resolution, as upstream
        self.norm_out = group_norm(block_in)
        self.conv_out = nn.Conv2d(block_in, out_ch, kernel_size=3, stride=1, padding=1)

    def forward(self, z, trace=None):
        tr = trace if trace is not None else {}
        h = self.conv_in(z)
        h = self.mid.block_1(h)
        h = self.mid.attn_1(h)
        h = self.mid.block_2(h)
        tr["dec_mid"] = h
        for i_level in reversed(range(self.num_resolutions)):
            for i_block in range(self.num_res_blocks + 1):
                h = self.up[i_level].block[i_block](h)
            if i_level != 0:
                h = self.up[i_level].upsample(h)
        tr["dec_up0"] = h
        return self.conv_out(swish(self.norm_out(h)))


class AutoEncoder(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = dict(p)
        self.encoder = Encoder(p["in_channels"], p["ch"], p["ch_mult"], p["num_res_blocks"],
                               p["z_channels"])
        self.decoder = Decoder(p["ch"], p["out_ch"], p["ch_mult"], p["num_res_blocks"],
                               p["z_channels"])
        self.scale_factor = p["scale_factor"]
        self.shift_factor = p["shift_factor"]

    def encode(self, x, trace=None):
        """x [B, 3, H, W] in [-1, 1] -> scale * (mean - shift), [B, z, H/f, W/f]."""
        moments = self.encoder(x, trace)
        mean = torch.chunk(moments, 2, dim=1)[0]  # (mean, logvar); mean only
        return self.scale_factor * (mean - self.shift_factor)

    def decode(self, z, trace=None):
        return self.decoder(z / self.scale_factor + self.shift_factor, trace)
