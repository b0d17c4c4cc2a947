// Payload templates per service (docs/connectors.md). They are starting points: edit them freely.

export const TEMPLATES = {
  simulation: {
    label: 'simulation',
    payload: { duration_ms: 5000, steps: 10 },
  },
  comfyui: {
    label: 'comfyui (txt2img graph)',
    payload: {
      prompt: {
        4: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
        5: { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 1024, batch_size: 1 } },
        6: { class_type: 'CLIPTextEncode', inputs: { text: 'a lighthouse on a cliff at dusk', clip: ['4', 1] } },
        7: { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['4', 1] } },
        3: { class_type: 'KSampler', inputs: { seed: 42, steps: 20, cfg: 7, sampler_name: 'euler', scheduler: 'normal',
          denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
        8: { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
        9: { class_type: 'SaveImage', inputs: { filename_prefix: 'emp', images: ['8', 0] } },
      },
    },
  },
  ollama: {
    label: 'ollama',
    payload: { model: 'llama3.2', prompt: 'Why is the sky blue?', options: { num_predict: 256, temperature: 0.2 } },
  },
  openai: {
    label: 'openai (chat)',
    payload: { endpoint: 'chat', model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], max_completion_tokens: 200 },
  },
  a1111: {
    label: 'a1111 (txt2img)',
    payload: { prompt: 'a lighthouse on a cliff at dusk', steps: 20, width: 512, height: 512 },
  },
};
