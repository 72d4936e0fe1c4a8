"""The diffusers backend on the real SDXL architecture with random weights, on a GPU.

    .venv/bin/python bench/bench_diffusers_gpu.py [--steps 30] [--batch 4] [--size 1024] [--dtype fp16]

Speed does not depend on the weights' values, so the UNet, VAE and
both text encoders are built from SDXL-base configurations written below, with
random weights, directly on the GPU; no download. The run goes through
`DiffusersGenerator.run` (the production code path: DPM++ 3M SDE Karras, CFG,
per-image generators). Next to the measured time it prints a floor: the UNet's
FLOPs (counted by torch's FlopCounterMode on one real forward pass) times
2 (classifier-free guidance) times steps, divided by the bf16 matmul rate
measured on the same GPU.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

import torch

SDXL_UNET = dict(
    sample_size=128, in_channels=4, out_channels=4, layers_per_block=2,
    block_out_channels=(320, 640, 1280),
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    transformer_layers_per_block=(1, 2, 10), attention_head_dim=(5, 10, 20), cross_attention_dim=2048,
    use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=256,
    projection_class_embeddings_input_dim=2816, norm_num_groups=32,
)
SDXL_VAE = dict(
    in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2,
    block_out_channels=(128, 256, 512, 512),
    down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
    sample_size=1024, scaling_factor=0.13025,
    force_upcast=False,  # as with an fp16-safe SDXL VAE: decode in half precision too
)
CLIP_L = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
              num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu", projection_dim=768)
CLIP_BIG_G = dict(vocab_size=49408, hidden_size=1280, intermediate_size=5120, num_hidden_layers=32,
                  num_attention_heads=20, max_position_embeddings=77, hidden_act="gelu", projection_dim=1280)
SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                 steps_offset=1, timestep_spacing="leading")
DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}


def character_tokenizer():
    """A CLIP tokenizer over single characters: prompt length and padding are what matter here."""
    from transformers import CLIPTokenizer

    characters = [chr(c) for c in range(33, 127)]
    tokens = ["<|startoftext|>", "<|endoftext|>"] + characters + [c + "</w>" for c in characters]
    return CLIPTokenizer(vocab={t: i for i, t in enumerate(tokens)}, merges=[], model_max_length=77)


def random_sdxl_pipeline(dtype: torch.dtype):
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(0)
    # Built on the GPU directly: random init of 3.5 B parameters on 16 CPU cores would take minutes.
    with torch.device("cuda"):
        unet = UNet2DConditionModel(**SDXL_UNET)
        vae = AutoencoderKL(**SDXL_VAE)
        text_encoder = CLIPTextModel(CLIPTextConfig(**CLIP_L))
        text_encoder_2 = CLIPTextModelWithProjection(CLIPTextConfig(**CLIP_BIG_G))
    pipeline = StableDiffusionXLPipeline(
        vae=vae, text_encoder=text_encoder, text_encoder_2=text_encoder_2, tokenizer=character_tokenizer(),
        tokenizer_2=character_tokenizer(), unet=unet, scheduler=EulerDiscreteScheduler(**SCHEDULER),
    )
    return pipeline.to("cuda", dtype)


def matmul_rate(dtype: torch.dtype = torch.bfloat16, n: int = 8192, repeats: int = 50) -> float:
    """Dense matmul FLOP/s on this GPU."""
    a = torch.randn(n, n, device="cuda", dtype=dtype)
    b = torch.randn(n, n, device="cuda", dtype=dtype)
    for _ in range(5):
        a @ b
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    torch.cuda.synchronize()
    return 2 * n**3 * repeats / (time.perf_counter() - start)


def unet_flops(pipeline, size: int, dtype: torch.dtype) -> float:
    """FLOPs of one UNet forward pass for one latent (no CFG doubling)."""
    from torch.utils.flop_counter import FlopCounterMode

    side = size // pipeline.vae_scale_factor
    latents = torch.randn(1, 4, side, side, device="cuda", dtype=dtype)
    text = torch.randn(1, 77, 2048, device="cuda", dtype=dtype)
    added = {"text_embeds": torch.randn(1, 1280, device="cuda", dtype=dtype),
             "time_ids": torch.tensor([[size, size, 0, 0, size, size]], device="cuda", dtype=dtype)}
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        pipeline.unet(latents, torch.tensor([500], device="cuda"), encoder_hidden_states=text,
                      added_cond_kwargs=added)
    return float(counter.get_total_flops())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--guidance", type=float, default=3.5)
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="fp16")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compile", action="store_true", help="torch.compile the UNet (max-autotune-no-cudagraphs)")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not torch.cuda.is_available():
        raise SystemExit("This benchmark needs a CUDA GPU.")

    from facekit.engines.generation.diffusion import DiffusersGenerator, DiffusionSettings

    dtype = DTYPES[arguments.dtype]
    torch.backends.cuda.matmul.allow_tf32 = True
    pipeline = random_sdxl_pipeline(dtype)
    settings = DiffusionSettings(steps=arguments.steps, guidance=arguments.guidance, size=arguments.size,
                                 max_batch=arguments.batch, clip_skip=3)
    generator = DiffusersGenerator.from_pipeline(pipeline, settings, name="diffusers-sdxl-random@bench")
    if arguments.compile:
        pipeline.unet = torch.compile(pipeline.unet, mode="max-autotune-no-cudagraphs")

    flops = unet_flops(pipeline, arguments.size, dtype)
    rate = matmul_rate()
    seeds = list(range(arguments.batch))
    # Warm-up with few steps: cuDNN/cuBLAS choose kernels, the allocator grows, compile runs.
    warm = DiffusersGenerator.from_pipeline(pipeline, DiffusionSettings(
        steps=3, guidance=arguments.guidance, size=arguments.size, max_batch=arguments.batch, clip_skip=3))
    warm.generate({}, seeds)
    torch.cuda.synchronize()

    times, single = [], []
    for repeat in range(arguments.repeats):
        start = time.perf_counter()
        images = generator.generate({"expression": "smile"}, [s + 100 * repeat for s in seeds])
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    assert len(images) == arguments.batch and images[0].shape == (arguments.size, arguments.size, 3)
    start = time.perf_counter()
    generator.generate({}, [999])
    torch.cuda.synchronize()
    single.append(time.perf_counter() - start)

    batch_s = statistics.median(times)
    floor_s = arguments.steps * 2 * flops / rate  # per image; CFG runs the UNet on two latents per step
    print(f"GPU {torch.cuda.get_device_name()}, torch {torch.__version__}, {arguments.dtype}, "
          f"{arguments.size}x{arguments.size}, {arguments.steps} steps, guidance {arguments.guidance}, "
          f"DPM++ 3M SDE Karras, compile={arguments.compile}, peak memory {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| UNet forward, one latent | {flops / 1e12:.2f} TFLOP |")
    print(f"| bf16 matmul rate (8192^3) | {rate / 1e12:.0f} TFLOP/s |")
    print(f"| floor: steps x 2 (CFG) x UNet FLOPs / matmul rate | {floor_s:.2f} s/image |")
    print(f"| batch {arguments.batch}: wall time per batch (median of {arguments.repeats}) | {batch_s:.2f} s |")
    print(f"| batch {arguments.batch}: seconds per image | {batch_s / arguments.batch:.2f} s |")
    print(f"| batch {arguments.batch}: images per second | {arguments.batch / batch_s:.2f} |")
    print(f"| batch 1: seconds per image | {single[0]:.2f} s |")
    print(f"| measured / floor (batch {arguments.batch}) | {batch_s / arguments.batch / floor_s:.2f}x |")


if __name__ == "__main__":
    main()
