"""Tiny Stable Diffusion and SDXL pipelines built from configs, for fast CPU tests.

Same classes and folder layout as real checkpoints, random weights, a tokenizer
vocabulary written here (printable ASCII characters, no merges): the backend's
real loading and inference code runs with no download.
"""

from __future__ import annotations

from pathlib import Path

import torch

SPECIALS = ("<|startoftext|>", "<|endoftext|>")


def tiny_tokenizer():
    from transformers import CLIPTokenizer

    characters = [chr(c) for c in range(33, 127)]
    tokens = list(SPECIALS) + characters + [c + "</w>" for c in characters]
    vocab = {token: index for index, token in enumerate(tokens)}
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


def _text_config(vocab_size: int, projection_dim: int | None = None):
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        vocab_size=vocab_size, hidden_size=16, intermediate_size=32, num_hidden_layers=4,
        num_attention_heads=2, max_position_embeddings=77, bos_token_id=0, eos_token_id=1, pad_token_id=1,
        projection_dim=projection_dim or 16,
    )


def _vae():
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 16), layers_per_block=1,
        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
        norm_num_groups=4, sample_size=64,
    )


def _scheduler():
    # Saved as the pipeline's own scheduler; the backend swaps in DPM++ 3M SDE Karras.
    from diffusers import DDIMScheduler

    return DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                         clip_sample=False, set_alpha_to_one=False, steps_offset=1)


def build_tiny_sd(folder: Path) -> Path:
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    tokenizer = tiny_tokenizer()
    unet = UNet2DConditionModel(
        sample_size=32, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(8, 16),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=16, attention_head_dim=2, norm_num_groups=4,
    )
    pipeline = StableDiffusionPipeline(
        vae=_vae(), text_encoder=CLIPTextModel(_text_config(len(tokenizer))), tokenizer=tokenizer, unet=unet,
        scheduler=_scheduler(), safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )
    pipeline.save_pretrained(folder)
    return folder


def build_tiny_sdxl(folder: Path) -> Path:
    from diffusers import StableDiffusionXLPipeline, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(0)
    tokenizer = tiny_tokenizer()
    time_dim, pooled_dim = 8, 16
    unet = UNet2DConditionModel(
        sample_size=32, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(8, 16),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,  # the two text encoders' hidden states, concatenated
        attention_head_dim=2, norm_num_groups=4, use_linear_projection=True,
        addition_embed_type="text_time", addition_time_embed_dim=time_dim,
        projection_class_embeddings_input_dim=6 * time_dim + pooled_dim,
    )
    pipeline = StableDiffusionXLPipeline(
        vae=_vae(), text_encoder=CLIPTextModel(_text_config(len(tokenizer))), tokenizer=tokenizer,
        text_encoder_2=CLIPTextModelWithProjection(_text_config(len(tokenizer), pooled_dim)),
        tokenizer_2=tiny_tokenizer(), unet=unet, scheduler=_scheduler(),
    )
    pipeline.save_pretrained(folder)
    return folder
